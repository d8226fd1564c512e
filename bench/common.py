"""What every bench/*/run.py shares: the machine description stored beside the figures, and the
generated block of docs/benchmarks.md that a run rewrites while the hand-written analysis stays."""
import datetime
import os
import platform
import re
import subprocess

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
