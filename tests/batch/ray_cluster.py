"""Start and stop a real Ray cluster on this machine (`ray start --head`, optional workers) for the
cluster tests and the benchmark: loopback addresses only, free ports, and every process stopped
through its process group (never `ray stop`, which would also stop other Ray instances of the
same user). HOME is a temporary folder, removed at the end with the session folders, so the
user's own ~/.ray is never read or written.

Token states (`token=`), as a user would start the head, without `RAY_AUTH_MODE`:
- "file": a token in ~/.ray/auth_token; the head turns token authentication on by itself.
- "env": the token only in the head's `RAY_AUTH_TOKEN`; the head turns it on by itself too.
- "none": no token anywhere; the head runs without authentication.
`Cluster.env` is a driver's environment: the same HOME (so the head's user's token file), and
`RAY_AUTH_TOKEN` in the "env" state; never `RAY_AUTH_MODE`, which unspin sets for itself.
Worker nodes join with `RAY_AUTH_MODE=token`, which Ray needs for `ray start --address`."""

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
from typing import Literal

ROOT = Path(__file__).resolve().parents[2]
PORT_OPTIONS = ("--node-manager-port", "--object-manager-port", "--dashboard-agent-listen-port",
                "--dashboard-agent-grpc-port", "--metrics-export-port", "--runtime-env-agent-port")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


TokenState = Literal["file", "env", "none"]


def ray_env(home: Path) -> dict[str, str]:
    """This process's environment with HOME in `home` and none of the user's RAY_AUTH_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH_")}
    env.update({"HOME": str(home), "RAY_USAGE_STATS_ENABLED": "0", "OMP_NUM_THREADS": "1",
                "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0",  # a node stops at SIGTERM (no 30 s drain)
                # node addresses stay 127.0.0.1: Ray on Linux otherwise swaps in the LAN address
                "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p)
    return env


@dataclass
class Cluster:
    """A running cluster: `address` (HOST:PORT), `env` for drivers, its `token` (None in the
    "none" state), the temporary `folder` (HOME is `folder / "home"`), the processes started."""

    address: str
    env: dict[str, str]
    folder: Path
    token: str | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def home(self) -> Path:
        return self.folder / "home"

    def plain_ray_env(self) -> dict[str, str]:
        """`env` for a plain `ray.init(address=...)`, which sends the token only with RAY_AUTH_MODE."""
        return {**self.env, "RAY_AUTH_MODE": "token"} if self.token else dict(self.env)

    def head_log(self) -> str:
        return (self.folder / "head.log").read_text(errors="replace")

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


def left_processes(cluster: Cluster, wait: float = 15) -> list[int]:
    """Live (not zombie) processes still in the process groups of the cluster's nodes."""
    groups = {p.pid for p in cluster.processes}
    deadline = time.monotonic() + wait
    while True:
        left = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if fields[0] != "Z" and int(fields[2]) in groups:
                    left.append(int(stat.parent.name))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


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


def start_cluster(workers: int = 0, *, token: TokenState = "file", timeout: float = 180) -> Cluster:
    """A head node (1 CPU) and `workers` worker nodes (1 CPU each), on loopback addresses, in
    the token state `token`.

    A single node runs with `--node-ip-address 127.0.0.1` and `RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`
    (without it Ray on Linux replaces 127.0.0.1 with the LAN address). Ray refuses that setting
    for several nodes, so a multi-node cluster uses `--node-ip-address 127.0.0.2` (loopback
    too, and left as it is)."""
    folder = Path(tempfile.mkdtemp(prefix="urc", dir="/tmp"))  # short: Ray's socket paths are limited
    home = folder / "home"
    (home / ".ray").mkdir(parents=True)
    env = ray_env(home)
    secret = secrets.token_hex(32) if token != "none" else None
    head_env = dict(env)
    if token == "file":
        (home / ".ray" / "auth_token").write_text(secret or "")
        (home / ".ray" / "auth_token").chmod(0o600)
    elif token == "env":
        env["RAY_AUTH_TOKEN"] = head_env["RAY_AUTH_TOKEN"] = secret or ""
    host = "127.0.0.1"
    if workers:
        for each in (env, head_env):
            each.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)
        host = "127.0.0.2"
    port = free_port()
    taken = {port}
    cluster = Cluster(f"{host}:{port}", env, folder, secret)
    worker_env = {**head_env, "RAY_AUTH_MODE": "token"} if secret else head_env
    try:
        head = ["--head", "--port", str(port), "--node-ip-address", host, "--include-dashboard=false",
                "--temp-dir", str(folder / "t")]
        cluster.processes.append(_node(head, head_env, folder / "head.log", taken))
        _wait(cluster, 1, timeout)
        for n in range(workers):
            cluster.processes.append(_node(["--address", cluster.address, "--node-ip-address", host],
                                           worker_env, folder / f"worker{n}.log", taken))
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
        out = subprocess.run([sys.executable, "-c", code], env=cluster.plain_ray_env(), capture_output=True,
                             text=True, timeout=120)
        if out.returncode == 0 and out.stdout.strip().isdigit() and int(out.stdout.strip()) >= cpus:
            return
        time.sleep(1)
    raise TimeoutError(f"the Ray cluster did not reach {cpus} CPUs in {timeout:.0f} s")
