"""The fixed article-level splits of the PTC training set (docs/model.md, "Protocol"):
`report` (76 articles, never trained, tuned or selected on; scored once per release
candidate), `tuning` (56 articles: validation during training, every decoding setting,
calibration) and `train` (the rest)."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from unspin.errors import InputError
from unspin.io.extra import PTC, ExtraCorpus, layout, read_extra

SPLITS = ("train", "tuning", "report")


def _ids(name: str) -> list[str]:
    text = resources.files("unspin.tuning").joinpath(name).read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def tuning_ids() -> list[str]:
    """The tuning split (the former validation split, `tuning_ids.txt`)."""
    return _ids("tuning_ids.txt")


def report_ids() -> list[str]:
    """The report split (`report_ids.txt`)."""
    return _ids("report_ids.txt")


def split_of(ids: Iterable[str], name: str) -> list[str]:
    """The ids among `ids` that belong to split `name`, in the given order."""
    if name not in SPLITS:
        raise ValueError(f"Unknown split {name!r}: expected one of {', '.join(SPLITS)}.")
    tuning, report = set(tuning_ids()), set(report_ids())
    if name == "tuning":
        return [i for i in ids if i in tuning]
    if name == "report":
        return [i for i in ids if i in report]
    return [i for i in ids if i not in tuning and i not in report]


def evaluation_set(data: str | Path, split: str) -> ExtraCorpus:
    """The articles to score: those of `split` in a PTC folder, or with `split` "all" every
    article of a folder (PTC or ct24-en's layout, with its ignore spans). A ct24-en folder
    has only "all"; a PTC folder's "all" includes the articles models train on."""
    corpus = read_extra(data)
    if split == "all":
        return corpus
    if layout(Path(data)) != PTC:
        raise InputError(f"{data} is not a PTC folder, so it has no {split!r} split: use the split 'all'.")
    keep = set(split_of([str(d.id) for d in corpus.docs], split))
    docs = [d for d in corpus.docs if str(d.id) in keep]
    return ExtraCorpus(docs, {k: v for k, v in corpus.labels.items() if k in keep}, {})
