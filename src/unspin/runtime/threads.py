"""How many CPU threads inference may use: `UNSPIN_THREADS` when set, else the CPUs this
process may run on (its affinity mask and cgroup CPU quota, which containers and Ray's
CPU share set), so a busy or shared machine is not oversubscribed."""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from functools import cache
from pathlib import Path
from typing import Any

from unspin import config


def _cgroup_quota() -> float | None:
    """CPUs allowed by a cgroup v2 (`cpu.max`) or v1 (`cfs_quota_us`) quota, if any."""
    v2 = Path("/sys/fs/cgroup/cpu.max")
    try:
        if v2.exists():
            quota, period = v2.read_text().split()[:2]
            return None if quota == "max" else int(quota) / int(period)
        q, p = Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
        if q.exists() and p.exists() and int(q.read_text()) > 0:
            return int(q.read_text()) / int(p.read_text())
    except (OSError, ValueError):
        return None
    return None


def available_cpus() -> int:
    """CPUs this process may use: affinity mask, capped by a cgroup quota (at least 1)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota:
        cpus = min(cpus, max(1, math.floor(quota)))
    return max(1, cpus)


def inference_threads(requested: int | None = None) -> int:
    """Threads for one inference session: `requested`, else `UNSPIN_THREADS`, else
    `available_cpus()`."""
    return config.threads(requested) or available_cpus()


def window_workers(threads: int) -> tuple[int, int]:
    """(windows run at once, threads each) for `threads` inference threads: half of them
    (at least one) per window, and as many windows at once as that allows, never more
    threads in all than `threads` (2 -> two windows on one thread each; 3 -> three on one;
    8 -> two on four). Two single-threaded runs side by side keep both cores busy through
    the small operations (LayerNorm, adds, softmax) that one two-threaded run spends waking
    its second thread for (docs/notebook/2026-11-30-speed-and-int8.md)."""
    per = max(1, threads // 2)
    return max(1, threads // per), per


_POOLS: dict[tuple[int, int], ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def window_pool(workers: int) -> ThreadPoolExecutor:
    """The process's pool that runs encoder windows `workers` at once, shared by every
    model, so a fused ensemble's members queue into one line and neither waits idle for
    the other's last window. Keyed by process id: a forked child starts its own."""
    key = (os.getpid(), workers)
    with _POOLS_LOCK:
        if key not in _POOLS:
            _POOLS[key] = ThreadPoolExecutor(workers, thread_name_prefix="unspin-window")
        return _POOLS[key]


@cache
def _blas() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[Any]:
    """Run numpy's small matrix products (the span head) on one BLAS thread. A BLAS pool's
    threads busy-wait after each product and steal the cores the encoder's next run needs:
    with them the fast tier took 1.5x longer beside another busy process."""
    return _blas().limit(limits=1, user_api="blas")
