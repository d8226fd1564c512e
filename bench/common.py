"""What every bench/*/run.py shares: the machine description stored beside the figures, and the
generated block of docs/benchmarks.md that a run rewrites while the hand-written analysis stays."""
import datetime
import json
import os
import platform
import re
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def machine_info(versions=None):
    """CPU, cores, memory, kernel, date, load, deeprc's commit and the peers' `versions`."""
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 2**20, 1),
            "kernel": platform.release(), "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "load_avg_at_start": os.getloadavg(), "deeprc_commit": commit,
            "versions": {"python": platform.python_version(), **(versions or {})}}


def _busy_and_total_jiffies():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def wait_until_idle(max_seconds=30.0, busy_below=0.1, window_s=1.0):
    """Waits until the whole machine was busy less than `busy_below` of its cores for `window_s`
    (a previous system's daemons, a Ray or Dask cluster still shutting down, have finished), or
    `max_seconds` passed. Returns the busy fraction of the last window."""
    deadline = time.monotonic() + max_seconds
    while True:
        busy0, total0 = _busy_and_total_jiffies()
        time.sleep(window_s)
        busy1, total1 = _busy_and_total_jiffies()
        fraction = (busy1 - busy0) / max(1, total1 - total0)
        if fraction < busy_below or time.monotonic() >= deadline:
            return fraction


def package_versions(names):
    """The installed version of each Python package of `names` (None where it is missing)."""
    versions = {}
    for name in names:
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = None
    return versions


def run_measured(cmd, timeout, label, failures, round_, peak_key):
    """run_process for one measurement of a round: its result with the round and the peak RSS under
    `peak_key`, or None when it failed (its stderr kept in `failures[label]` and printed)."""
    result, peak, stderr = run_process(cmd, timeout)
    if result is None:
        failures[label] = stderr.strip()
        print(f"  {label}  FAILED {stderr.strip()[-500:]}", flush=True)
        return None
    result[peak_key] = peak
    result["round"] = round_
    return result


def run_process(cmd, timeout_s, own_session=False):
    """Runs cmd; returns (its last JSON line or None, its peak RSS in bytes, stderr tail).

    The peak is the child's own ru_maxrss from os.wait4 (RUSAGE_CHILDREN would be the maximum over
    every child so far). With own_session the child leads a process group of its own, so a kill at
    the timeout takes its ranks or its cluster along. A JSON line with an "error" key is a failure.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, start_new_session=own_session)

        def kill():
            try:
                os.killpg(proc.pid, 9) if own_session else proc.kill()
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout_s, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        out.seek(0)
        err.seek(0)
        lines = [line for line in out.read().decode().splitlines() if line.startswith("{")]
        stderr = err.read().decode()[-2000:]
    result = json.loads(lines[-1]) if lines and code == 0 else None
    if result is not None and "error" in result:
        return None, usage.ru_maxrss * 1024, result["error"]
    if result is None:
        stderr = f"exit {code}{' (killed at the timeout)' if code == -9 else ''}: {stderr}"
    return result, usage.ru_maxrss * 1024, stderr


def update_doc_block(begin, end, heading, block, doc_path=os.path.join(ROOT, "docs", "benchmarks.md")):
    """Replaces the text between the `begin` and `end` markers, or appends it under `heading`."""
    text = open(doc_path).read() if os.path.exists(doc_path) else "# Benchmarks\n"
    new = f"{begin}\n{block}\n{end}"
    if begin in text and end in text:
        text = text[:text.index(begin)] + new + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n{new}\n"
    with open(doc_path, "w") as f:
        f.write(text)
