"""Times training steps (forward, MAE loss, backward, Adam step) of one model in PyTorch (Python)
on random windows: the peer of deeprc_train_step_bench. Prints one JSON line."""
import argparse
import json
import time

import torch

from torch_models import MODELS


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, choices=sorted(MODELS))
    parser.add_argument("--input-size", type=int, default=480)
    parser.add_argument("--horizon", type=int, default=96)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)  # run.py also sets OPENBLAS_NUM_THREADS for the BLAS below
    torch.manual_seed(0)
    model = MODELS[args.model](args.input_size, args.horizon)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(args.batch, args.input_size)
    y = torch.randn(args.batch, args.horizon)

    def step():
        optimizer.zero_grad()
        # NeuralForecast's MAE weighs the points by a mask of observed values, as deeprc's loss masks NaNs.
        mask = torch.ones_like(y)
        loss = ((model(x) - y).abs() * mask).sum() / mask.sum()
        loss.backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    started = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - started
    print(json.dumps({"system": "pytorch", "model": args.model, "parameters": sum(p.numel() for p in model.parameters()),
                      "ms_per_step": 1e3 * seconds / args.steps, "torch": torch.__version__, "threads": args.threads}))


if __name__ == "__main__":
    main()
