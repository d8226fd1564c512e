"""A throwaway Slurm cluster on this machine, for integration tests: munged, slurmctld and one
slurmd per simulated node, all configured under a temporary directory and stopped by PID.

    with SlurmCluster(nodes=2) as cluster:
        subprocess.run(["srun", "--mpi=pmix", "-N2", "-n4", ...], env=cluster.env, check=True)

Runs as root (as CI does) without systemd; uses the plugins that work in containers
(proctrack/linuxproc, task/none, select/cons_tres). Also usable from the shell:
    python slurm_cluster.py start DIR [NODES]   /   python slurm_cluster.py stop DIR
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MUNGE_SOCKET_DIR = Path("/run/munge")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SlurmCluster:
    def __init__(self, nodes=1, cpus_per_node=None, directory=None):
        self.nodes = nodes
        self.cpus = cpus_per_node or os.cpu_count()
        self.directory = Path(directory or tempfile.mkdtemp(prefix="deeprc-slurm-"))
        self.pids = {}
        self.env = dict(os.environ)

    # -- configuration --------------------------------------------------------------------------
    def _write_config(self):
        d = self.directory
        for sub in ["state", "spool", "log", "tmp"]:
            (d / sub).mkdir(parents=True, exist_ok=True)
        names = [f"node{i + 1}" for i in range(self.nodes)]
        for name in names:
            (d / "tmp" / name).mkdir(exist_ok=True)
            (d / "spool" / name).mkdir(exist_ok=True)
        ctld_port = _free_port()
        node_lines = "\n".join(
            f"NodeName={name} NodeHostname=localhost NodeAddr=127.0.0.1 Port={_free_port()} "
            f"CPUs={self.cpus} State=UNKNOWN" for name in names)
        nodelist = f"node[1-{self.nodes}]" if self.nodes > 1 else "node1"
        (d / "slurm.conf").write_text(f"""ClusterName=deeprc-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool/%n
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd-%n.pid
SlurmctldLogFile={d}/log/slurmctld.log
SlurmdLogFile={d}/log/slurmd-%n.log
TmpFS={d}/tmp/%n
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
InactiveLimit=0
KillWait=5
MinJobAge=5
SlurmctldTimeout=30
SlurmdTimeout=30
{node_lines}
PartitionName=debug Nodes={nodelist} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
""")
        self.env["SLURM_CONF"] = str(d / "slurm.conf")

    # -- processes ------------------------------------------------------------------------------
    def _start_munge(self):
        if subprocess.run(["pgrep", "-x", "munged"], capture_output=True).returncode == 0:
            return  # one munged per machine serves every cluster
        subprocess.run(["install", "-d", "-o", "munge", "-g", "munge", "-m", "0755", str(MUNGE_SOCKET_DIR)], check=True)
        key = Path("/etc/munge/munge.key")
        if not key.exists():
            subprocess.run(["mungekey", "--create"], check=False)
        proc = subprocess.Popen(["runuser", "-u", "munge", "--", "/usr/sbin/munged", "--foreground"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.pids["munged"] = proc.pid
        self._wait(lambda: (MUNGE_SOCKET_DIR / "munge.socket.2").exists(), "munged")

    def _spawn(self, name, argv):
        log = open(self.directory / "log" / f"{name}.out", "w")
        proc = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.pids[name] = proc.pid

    def _wait(self, ready, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{what} did not come up within {timeout} s; logs in {self.directory / 'log'}")

    def _nodes_idle(self):
        out = subprocess.run(["sinfo", "-h", "-N", "-o", "%N %t"], env=self.env, capture_output=True, text=True)
        states = [line.split()[1] for line in out.stdout.splitlines() if line.strip()]
        return len(states) == self.nodes and all(s.startswith(("idle", "mix", "alloc")) for s in states)

    def start(self):
        self._write_config()
        self._start_munge()
        self._spawn("slurmctld", ["slurmctld", "-D", "-i", "-f", self.env["SLURM_CONF"]])
        self._wait(lambda: subprocess.run(["scontrol", "ping"], env=self.env, capture_output=True,
                                          text=True).stdout.count("UP") > 0, "slurmctld")
        for i in range(self.nodes):
            self._spawn(f"slurmd-node{i + 1}", ["slurmd", "-D", "-N", f"node{i + 1}", "-f", self.env["SLURM_CONF"]])
        self._wait(self._nodes_idle, f"{self.nodes} slurmd")
        (self.directory / "pids").write_text("\n".join(f"{k} {v}" for k, v in self.pids.items()))
        return self

    def stop(self):
        # Jobs first, so no step outlives the cluster; then the daemons, by the PIDs we started.
        subprocess.run(["scancel", "--full", "--user", "root"], env=self.env, capture_output=True, timeout=30)
        for name, pid in reversed(list(self.pids.items())):
            if name == "munged":
                continue  # shared by clusters; stopped last, below
            _kill(pid)
        if "munged" in self.pids:
            _kill(self.pids["munged"])
        self.pids.clear()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def _kill(pid, grace=10):
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
    deadline = time.time() + grace
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def slurm_available():
    return all(shutil.which(tool) for tool in ["slurmctld", "slurmd", "srun", "munged"]) and os.geteuid() == 0


if __name__ == "__main__":
    command, directory = sys.argv[1], sys.argv[2]
    if command == "start":
        cluster = SlurmCluster(nodes=int(sys.argv[3]) if len(sys.argv) > 3 else 1, directory=directory).start()
        print(f"export SLURM_CONF={cluster.env['SLURM_CONF']}")
    elif command == "stop":
        for line in (Path(directory) / "pids").read_text().splitlines():
            _kill(int(line.split()[1]))
