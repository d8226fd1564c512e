"""Shared fixtures: the deeprc binary under test and a runner that reports its stderr."""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def deeprc_bin():
    path = Path(os.environ.get("DEEPRC_BIN", ROOT / "build" / "bin" / "deeprc"))
    if not path.exists():
        pytest.fail(f"{path} does not exist: build first (make build)")
    return str(path)


@pytest.fixture(scope="session")
def build_dir():
    """The CMake build directory holding the test programs (build/ unless CTest says otherwise)."""
    return os.environ.get("DEEPRC_BUILD_DIR", str(ROOT / "build"))


@pytest.fixture
def run_deeprc(deeprc_bin):
    """Runs `deeprc ARGS...`; returns the CompletedProcess. check=True fails the test on non-zero exit."""

    def run(*args, check=True):
        proc = subprocess.run([deeprc_bin, *map(str, args)], capture_output=True, text=True, timeout=300)
        if check and proc.returncode != 0:
            pytest.fail(f"deeprc {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}")
        return proc

    return run
