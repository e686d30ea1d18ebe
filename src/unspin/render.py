"""Cutting a text at every span boundary into segments, each with the spans that cover it,
so overlapping and nested spans lose nothing when shown (terminal, web, reports)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any


def cut(
    length: int, bounds: Sequence[tuple[int, int]], *, order: Callable[[int], Any] | None = None
) -> list[tuple[int, int, list[int]]]:
    """Consecutive `(start, end, covering)` segments over `[0, length)`: `covering` holds
    the indexes into `bounds` of the spans over that segment, innermost (shortest) first
    unless `order` (a sort key on indexes) says otherwise."""
    key = order or (lambda i: (bounds[i][1] - bounds[i][0], i))
    cuts = sorted({0, length} | {s for s, _ in bounds} | {e for _, e in bounds})
    starts: dict[int, list[int]] = {}
    for i, (start, _) in enumerate(bounds):
        starts.setdefault(start, []).append(i)
    active: set[int] = set()
    out = []
    for a, b in itertools.pairwise(cuts):
        active = {i for i in active if bounds[i][1] > a} | set(starts.get(a, ()))
        out.append((a, b, sorted(active, key=key)))
    return out
