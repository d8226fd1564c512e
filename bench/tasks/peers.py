"""Peers of bench/tasks: N null executable tasks (/bin/true) through Dask distributed (LocalCluster,
one single-threaded worker process per core, each task a subprocess) and RADICAL-Pilot
(local.localhost). Prints one JSON object per run; run.py drives it in .venv-bench."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def run_true(executable):
    start = time.time()
    code = subprocess.run([executable]).returncode
    return code, start, time.time()


def dask_run(tasks, cores, executable):
    from dask.distributed import Client, LocalCluster

    t0 = time.time()
    with LocalCluster(n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.wait_for_workers(cores)
        ready = time.time() - t0
        start = time.time()
        futures = client.map(run_true, [executable] * tasks, pure=False)
        results = client.gather(futures)
        wall = time.time() - start
    return {"tasks": tasks, "done": sum(1 for code, _, _ in results if code == 0), "cores": cores,
            "startup_s": ready, "wall_s": wall, "throughput_per_s": tasks / wall,
            "exec_mean_ms": 1e3 * sum(end - begin for _, begin, end in results) / tasks}


def rp_run(tasks, cores, executable):
    # RP writes its session folder under $PWD (not the process's working directory): a scratch one.
    sandbox = tempfile.mkdtemp(prefix="deeprc-rp-bench-")
    os.chdir(sandbox)
    os.environ["PWD"] = sandbox
    import radical.pilot as rp

    os.environ.setdefault("RADICAL_REPORT", "FALSE")
    # RP starts its helpers (radical-pilot-bridge, ...) by name: the venv's bin must be on PATH.
    # and its pilot bootstrap runs the agent from $VIRTUAL_ENV (else from the system python3).
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    os.environ["VIRTUAL_ENV"] = sys.prefix
    session = rp.Session()
    try:
        pmgr = rp.PilotManager(session=session)
        tmgr = rp.TaskManager(session=session)
        t0 = time.time()
        pilot = pmgr.submit_pilots(rp.PilotDescription({"resource": "local.localhost", "cores": cores,
                                                        "runtime": 30}))
        tmgr.add_pilots(pilot)
        pilot.wait(state=[rp.PMGR_ACTIVE, rp.FAILED, rp.CANCELED], timeout=300)
        if pilot.state != rp.PMGR_ACTIVE:
            raise RuntimeError(f"pilot ended {pilot.state}: {getattr(pilot, 'stderr', '')}")
        startup = time.time() - t0
        start = time.time()
        submitted = tmgr.submit_tasks([rp.TaskDescription({"executable": executable}) for _ in range(tasks)])
        tmgr.wait_tasks(timeout=1200)
        wall = time.time() - start
        done = sum(1 for task in submitted if task.state == rp.DONE)
        return {"tasks": tasks, "done": done, "cores": cores, "startup_s": startup, "wall_s": wall,
                "throughput_per_s": tasks / wall, "session": session.path}
    finally:
        session.close(download=False)
        shutil.rmtree(sandbox, ignore_errors=True)
        shutil.rmtree(os.path.expanduser(os.path.join("~/radical.pilot.sandbox", session.uid)), ignore_errors=True)


def xargs_run(tasks, cores, executable):
    start = time.time()
    subprocess.run(["xargs", f"-P{cores}", "-n1", executable], input=("x\n" * tasks).encode(), check=True)
    wall = time.time() - start
    return {"tasks": tasks, "done": tasks, "cores": cores, "wall_s": wall, "throughput_per_s": tasks / wall}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["dask", "radical.pilot", "xargs"], required=True)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    parser.add_argument("--executable", default="/bin/true")
    args = parser.parse_args()
    run = {"dask": dask_run, "radical.pilot": rp_run, "xargs": xargs_run}[args.engine]
    try:
        result = run(args.tasks, args.cores, args.executable)
    except Exception as error:  # a peer that cannot run here is a result too: say exactly why
        result = {"error": f"{type(error).__name__}: {error}"}
    print(json.dumps({"engine": args.engine, **result}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
