"""What the CPU can do, where a backend's results depend on it.

onnxruntime's dynamic int8 MatMul multiplies uint8 activations by int8 weights. On x86-64
without VNNI it does so with `vpmaddubsw`, which adds pairs of products into int16 and
saturates: 255 x 127 x 2 overflows, and the shipped tiers' int8 encoders then lose almost
every span (the example article: 1 span of 13 for `fast`, 0 of 15 for `accurate`). Weights
quantized to 7 bits (`reduce_range`) keep each pair within int16. With VNNI (`avx512_vnni`,
`avx_vnni`, AMX) and on other architectures the products are summed in int32 and the full
8 bits are kept."""

from __future__ import annotations

import functools
import platform
from pathlib import Path

VNNI = ("avx512_vnni", "avx_vnni", "amx_int8")


@functools.cache
def int8_saturates() -> bool:
    """Whether onnxruntime's u8 x s8 MatMul may saturate here: an x86-64 CPU without VNNI
    (or one whose flags cannot be read)."""
    if platform.machine().lower() not in ("x86_64", "amd64", "i386", "i686", "x86"):
        return False
    return not any(flag in VNNI for flag in cpu_flags())


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The first CPU's flags from /proc/cpuinfo (empty where there is none)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()
