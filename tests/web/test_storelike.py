"""`StoreLike` names every method the views call on a store, and both stores have each one
with the same parameters."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from unspin.store import Store
from unspin.web.memstore import MemoryStore
from unspin.web.service import DATABASE_ONLY, StoreLike

WEB = Path(__file__).resolve().parents[2] / "src" / "unspin" / "web"


def protocol_methods() -> list[str]:
    return [n for n, v in vars(StoreLike).items() if callable(v) and not n.startswith("_")]


def parameters(cls: type, name: str) -> list[tuple[str, object]]:
    sig = inspect.signature(getattr(cls, name))
    return [(p.name, p.kind) for p in sig.parameters.values() if p.name != "self"]


def test_both_stores_have_every_method_with_the_same_parameters():
    methods = protocol_methods()
    assert {"save_analysis", "saved_analyses", "set_reviewed", "describe"} <= set(methods)
    for name in methods:
        want = parameters(StoreLike, name)
        assert parameters(Store, name) == want, f"Store.{name}"
        assert parameters(MemoryStore, name) == want, f"MemoryStore.{name}"
    for name in DATABASE_ONLY:
        assert callable(getattr(Store, name, None)) or isinstance(getattr(Store, name, None), property), name


def test_every_store_call_in_the_views_is_named():
    called = set()
    for path in WEB.rglob("*.py"):
        called |= set(re.findall(r"(?<![\w.])store\.([a-z_]+)\b", path.read_text(encoding="utf-8")))
    assert len(called) >= 10, called  # the scan finds the calls
    unnamed = called - set(protocol_methods()) - set(DATABASE_ONLY)
    assert not unnamed, f"web/ calls store methods StoreLike does not name: {sorted(unnamed)}"
