"""Start and stop a real Ray cluster on this machine (`ray start --head`, optional workers) for the
cluster test and the benchmark: loopback addresses only, free ports, token authentication on,
and every process stopped through its process group (never `ray stop`, which would also stop
other Ray instances of the same user)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORT_OPTIONS = ("--node-manager-port", "--object-manager-port", "--dashboard-agent-listen-port",
                "--dashboard-agent-grpc-port", "--metrics-export-port", "--runtime-env-agent-port")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ray_env(token: str, home: Path) -> dict[str, str]:
    """The environment of every process of the cluster and of its drivers."""
    env = {**os.environ, "HOME": str(home), "RAY_USAGE_STATS_ENABLED": "0",
           "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # node addresses on 127.0.0.1, not the LAN address
           "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token, "OMP_NUM_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p)
    return env


@dataclass
class Cluster:
    """A running cluster: `address` (HOST:PORT), `env` for drivers, the processes started."""

    address: str
    env: dict[str, str]
    folder: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def stop(self) -> None:
        """SIGTERM each node's process group, then SIGKILL what is left after a grace period."""
        for proc in reversed(self.processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 45
        for proc in reversed(self.processes):
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(1.0, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # raylet, GCS and workers share the group
        shutil.rmtree(self.folder, ignore_errors=True)


def _node(cmd: list[str], env: dict[str, str], log: Path, taken: set[int]) -> subprocess.Popen:
    own = {option: free_port() for option in PORT_OPTIONS}
    taken.update(own.values())
    low = free_port()
    while any(low <= port <= low + 40 for port in taken) or low + 40 > 65535:
        low = free_port()
    taken.update(range(low, low + 41))
    ports = [x for option, port in own.items() for x in (option, str(port))]
    cmd = [str(Path(sys.executable).parent / "ray"), "start", "--block", "--num-cpus", "1",
           "--disable-usage-stats", "--min-worker-port", str(low), "--max-worker-port", str(low + 40),
           *ports, *cmd]
    with open(log, "wb") as handle:
        return subprocess.Popen(cmd, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def start_cluster(workers: int = 0, *, timeout: float = 180) -> Cluster:
    """A head node (1 CPU) and `workers` worker nodes (1 CPU each), on loopback addresses.

    A single node registers as 127.0.0.1 (`RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`). Ray refuses
    that setting for several nodes and turns 127.0.0.1 into the LAN address, so a multi-node
    cluster uses 127.0.0.2 (loopback too, and not rewritten)."""
    folder = Path(tempfile.mkdtemp(prefix="urc", dir="/tmp"))  # short: Ray's socket paths are limited
    env = ray_env(secrets.token_hex(16), folder)
    host = "127.0.0.1"
    where: list[str] = []
    if workers:
        env.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)
        host = "127.0.0.2"
        where = ["--node-ip-address", host]
    port = free_port()
    taken = {port}
    cluster = Cluster(f"{host}:{port}", env, folder)
    try:
        head = ["--head", "--port", str(port), "--include-dashboard=false", "--temp-dir", str(folder / "t")]
        cluster.processes.append(_node([*head, *where], env, folder / "head.log", taken))
        _wait(cluster, 1, timeout)
        for n in range(workers):
            cluster.processes.append(_node(["--address", cluster.address, *where], env,
                                           folder / f"worker{n}.log", taken))
        _wait(cluster, 1 + workers, timeout)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _wait(cluster: Cluster, cpus: int, timeout: float) -> None:
    """Until the cluster reports `cpus` CPUs (asked through a short-lived driver)."""
    code = (f"import ray, logging; ray.init(address={cluster.address!r}, logging_level=logging.ERROR); "
            "print(int(ray.cluster_resources().get('CPU', 0))); ray.shutdown()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = [p for p in cluster.processes if p.poll() is not None]
        if dead:
            logs = "\n".join(p.read_text()[-1500:] for p in sorted(cluster.folder.glob("*.log")))
            raise RuntimeError(f"ray start exited:\n{logs}")
        try:
            host, port = cluster.address.rsplit(":", 1)
            socket.create_connection((host, int(port)), 2).close()
        except OSError:
            time.sleep(0.5)
            continue
        out = subprocess.run([sys.executable, "-c", code], env=cluster.env, capture_output=True, text=True,
                             timeout=120)
        if out.returncode == 0 and out.stdout.strip().isdigit() and int(out.stdout.strip()) >= cpus:
            return
        time.sleep(1)
    raise TimeoutError(f"the Ray cluster did not reach {cpus} CPUs in {timeout:.0f} s")
