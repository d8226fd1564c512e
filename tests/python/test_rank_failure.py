"""A rank killed with SIGKILL in the middle of a shuffle: on every backend, every other rank
returns an error that names the lost rank, well before the harness would call it a hang."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

RANKS, VICTIM, TIMEOUT_MS = 4, 1, 5000


@pytest.mark.skipif(shutil.which("mpirun") is None, reason="needs Open MPI's mpirun")
@pytest.mark.parametrize("backend", ["mpi", "gloo", "ucx"])
def test_survivors_name_the_lost_rank(build_dir, backend):
    program = Path(build_dir) / "tests" / "deeprc_rank_failure"
    # --enable-recovery: without it Open MPI's launcher kills every rank as soon as one dies, and
    # there would be no survivor left to report.
    command = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "--enable-recovery",
               "-np", str(RANKS), str(program), backend, str(VICTIM), str(TIMEOUT_MS)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMPI_MCA_rmaps_base_oversubscribe": "1"})
    reports = [line for line in proc.stdout.splitlines() if line.startswith("rank ")]
    survivors = sorted(int(line.split()[1].rstrip(":")) for line in reports)
    assert survivors == [r for r in range(RANKS) if r != VICTIM], proc.stdout + proc.stderr
    for line in reports:
        assert "error after" in line, line
        assert f"rank {VICTIM}" in line.split("error after", 1)[1], line
