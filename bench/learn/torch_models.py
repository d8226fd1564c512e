"""The six forecasting models of deeprc's learn/models in PyTorch (Python), layer for layer as
NeuralForecast builds them with its defaults: the peer of bench/learn's training-step timing.
Parameter counts are checked against deeprc's by run.py, so the two time the same network."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class NLinear(nn.Module):
    def __init__(self, L, H):
        super().__init__()
        self.linear = nn.Linear(L, H)

    def forward(self, y):
        last = y[:, -1:]
        return self.linear(y - last) + last


class DLinear(nn.Module):
    def __init__(self, L, H, kernel=25):
        super().__init__()
        self.kernel = kernel
        self.linear_trend = nn.Linear(L, H)
        self.linear_season = nn.Linear(L, H)

    def forward(self, y):
        pad = (self.kernel - 1) // 2
        padded = torch.cat([y[:, :1].repeat(1, pad), y, y[:, -1:].repeat(1, pad)], 1)
        trend = F.avg_pool1d(padded.unsqueeze(1), self.kernel, 1).squeeze(1)
        return self.linear_trend(trend) + self.linear_season(y - trend)


class MLP(nn.Module):
    def __init__(self, L, H, num_layers=2, hidden=1024):
        super().__init__()
        self.mlp = nn.ModuleList([nn.Linear(L, hidden)] + [nn.Linear(hidden, hidden) for _ in range(num_layers - 1)])
        self.out = nn.Linear(hidden, H)

    def forward(self, y):
        for layer in self.mlp:
            y = torch.relu(layer(y))
        return self.out(y)


class BlockMlp(nn.Module):
    """NF's NBEATS/NHITS block: a first linear layer without activation, then ReLU layers."""

    def __init__(self, n_in, units, n_theta):
        super().__init__()
        self.input = nn.Linear(n_in, units[0][0])
        self.hidden = nn.ModuleList([nn.Linear(a, b) for a, b in units])
        self.output = nn.Linear(units[-1][1], n_theta)

    def forward(self, x):
        x = self.input(x)
        for layer in self.hidden:
            x = torch.relu(layer(x))
        return self.output(x)


class NHITS(nn.Module):
    def __init__(self, L, H, pools=(2, 2, 1), downsample=(4, 2, 1), units=((512, 512),) * 3):
        super().__init__()
        self.L, self.H = L, H
        self.pools = [nn.MaxPool1d(k, k, ceil_mode=True) for k in pools]
        self.knots = [max(H // d, 1) for d in downsample]
        self.blocks = nn.ModuleList([BlockMlp(int(np.ceil(L / k)), units, L + n) for k, n in zip(pools, self.knots)])

    def forward(self, y):
        residual, forecast = y.flip(-1), y[:, -1:]
        for pool, block in zip(self.pools, self.blocks):
            theta = block(pool(residual.unsqueeze(1)).squeeze(1))
            knots = theta[:, self.L:].unsqueeze(1)
            forecast = forecast + F.interpolate(knots, size=self.H, mode="linear").squeeze(1)
            residual = residual - theta[:, :self.L]
        return forecast


class NBEATS(nn.Module):
    def __init__(self, L, H, n_polynomials=2, n_harmonics=2, units=((512, 512),) * 3):
        super().__init__()
        self.L = L
        t_back, t_fore = np.arange(L) / L, np.arange(H) / H
        trend_b = np.stack([t_back ** i for i in range(n_polynomials + 1)])
        trend_f = np.stack([t_fore ** i for i in range(n_polynomials + 1)])
        freq = np.append(np.zeros(1), np.arange(n_harmonics, n_harmonics / 2 * H) / n_harmonics)[None, :]
        back_grid = -2 * np.pi * (np.arange(L)[:, None] / H) * freq
        fore_grid = 2 * np.pi * (np.arange(H)[:, None] / H) * freq
        season_b = np.concatenate([np.cos(back_grid).T, np.sin(back_grid).T])
        season_f = np.concatenate([np.cos(fore_grid).T, np.sin(fore_grid).T])
        self.bases = [None, (torch.tensor(trend_b).float(), torch.tensor(trend_f).float()),
                      (torch.tensor(season_b).float(), torch.tensor(season_f).float())]
        thetas = [L + H, 2 * trend_b.shape[0], 2 * season_b.shape[0]]
        self.blocks = nn.ModuleList([BlockMlp(L, units, n) for n in thetas])

    def forward(self, y):
        residual, forecast = y.flip(-1), y[:, -1:]
        for block, basis in zip(self.blocks, self.bases):
            theta = block(residual)
            if basis is None:
                back, fore = theta[:, :self.L], theta[:, self.L:]
            else:
                p = basis[0].shape[0]
                back, fore = theta[:, :p] @ basis[0], theta[:, p:] @ basis[1]
            residual, forecast = residual - back, forecast + fore
        return forecast


class LSTM(nn.Module):
    def __init__(self, L, H, hidden=128, layers=2, decoder_hidden=128, decoder_layers=2):
        super().__init__()
        self.H = H
        self.hist_encoder = nn.LSTM(1, hidden, num_layers=layers, batch_first=True)
        sizes = [hidden] + [decoder_hidden] * (decoder_layers - 1)  # decoder_layers linear layers in all
        self.mlp_decoder = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])] + [nn.Linear(decoder_hidden, 1)])
        self.upsample = nn.Linear(L, H) if H > L else None

    def forward(self, y):
        h, _ = self.hist_encoder(y.unsqueeze(2))
        h = self.upsample(h.permute(0, 2, 1)).permute(0, 2, 1) if self.upsample is not None else h[:, -self.H:]
        for i, layer in enumerate(self.mlp_decoder):
            h = layer(h)
            if i + 1 < len(self.mlp_decoder):
                h = torch.relu(h)
        return h[..., 0]


MODELS = {"nlinear": NLinear, "dlinear": DLinear, "mlp": MLP, "nbeats": NBEATS, "nhits": NHITS, "lstm": LSTM}
