"""The Parquet sink of `unspin batch --output`: whole files, distinct names, resumable."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds

from unspin.batch.parquet_out import ParquetSink
from unspin.doc import Analysis, Document


def _analyses(*texts: str) -> list[Analysis]:
    return [Analysis(Document(t, id=t), (), "tiny") for t in texts]


def test_two_runs_in_one_second_keep_both_files(tmp_path: Path) -> None:
    first, second = ParquetSink(tmp_path, "tiny"), ParquetSink(tmp_path, "tiny")
    assert first.write(_analyses("one", "two")) == 2
    assert second.write(_analyses("three")) == 1
    ids = ds.dataset(tmp_path, format="parquet").to_table()["document_id"].to_pylist()
    assert len(ids) == 3 and len(list(tmp_path.glob("*.parquet"))) == 2


def test_a_rerun_skips_what_is_written_for_the_same_model_only(tmp_path: Path) -> None:
    ParquetSink(tmp_path, "tiny").write(_analyses("one"))
    again = ParquetSink(tmp_path, "tiny")
    assert again.write(_analyses("one", "two")) == 1
    assert ParquetSink(tmp_path, "other").done == set()
    assert not list(tmp_path.glob(".*partial"))
