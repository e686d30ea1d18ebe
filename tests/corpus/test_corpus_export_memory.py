"""The corpus `spans` export streams (issue 31): rows go from the database to the file a few
hundred at a time, so memory stays well under the file's size however many spans there are."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from store_fixtures import make_analysis, make_doc

from unspin.batch import export as ex
from unspin.store import Store

PHRASES = [("corrupt traitors", "name calling"), ("our glorious nation", "flag waving"),
           ("Everybody knows", "Doubt"), ("total disaster", "loaded language"),
           ("they want to destroy", "Appeal_to_fear-prejudice")]
BODY = ("Critics said the corrupt traitors lied. Everybody knows our glorious nation will stand, "
        "they want to destroy it, a total disaster. ")


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'many.db'}")
    store.add_documents(make_doc(f"Report {n}. {BODY}", source=f"S{n % 7}", published="2024-01-05")
                        for n in range(4800))
    docs = list(store.pending("m1"))
    store.save_batch([make_analysis(d, PHRASES) for d in docs])
    return store


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_spans_export_holds_a_fraction_of_what_it_writes(many: Store, tmp_path: Path, fmt: str) -> None:
    gc.collect()
    tracemalloc.start()
    try:
        result = ex.export(many, tmp_path, fmt=fmt, tables=("spans",))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    written = result["tables"]["spans"]
    size = Path(written["path"]).stat().st_size
    assert written["rows"] == 4800 * len(PHRASES) and size > 3_000_000
    print(f"{fmt}: {written['rows']} spans, {size / 1e6:.1f} MB written, peak {peak / 1e6:.2f} MB")
    assert peak < size / 3  # a list of every row first took 7 times the file (11 MB for 1.6 MB of CSV)


def test_parquet_is_written_in_row_groups(many: Store, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ex, "PARQUET_BATCH", 1000)
    result = ex.export(many, tmp_path, fmt="parquet", tables=("spans",))
    meta = pq.ParquetFile(result["tables"]["spans"]["path"]).metadata
    assert result["tables"]["spans"]["rows"] == meta.num_rows == 4800 * len(PHRASES)
    assert meta.num_row_groups == 24
