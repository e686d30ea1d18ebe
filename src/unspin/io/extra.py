"""Extra annotated data for training (`unspin model train --extra`): a folder laid out like
ct24-en (`articles/article<ID>.txt`, `labels-flc-tc.tsv`, optional `ignore-spans.tsv`)
or an ordinary PTC folder (`train-articles/`, `train-labels-task-flc-tc/`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from unspin.doc import Document
from unspin.errors import FormatError, InputError
from unspin.io import ptc

TSV, PTC = "tsv", "ptc"  # the two layouts


@dataclass
class ExtraCorpus:
    """The articles of an extra folder, their labels and their "don't care" spans by article id."""

    docs: list[Document]
    labels: dict[str, list[ptc.Label]]
    ignore: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


def parse_extra(entry: str) -> tuple[str, float]:
    """An `--extra` entry, `PATH` or `PATH:WEIGHT` (weight in (0, 1], 1 by default), as
    (path, weight); the folder's layout is checked too."""
    path, sep, tail = entry.rpartition(":")
    if not sep or "/" in tail or "\\" in tail:  # no weight (a colon inside the path)
        path, tail = entry, "1"
    try:
        weight = float(tail)
    except ValueError as err:
        raise InputError(
            f"--extra {entry!r}: expected PATH or PATH:WEIGHT with a number for WEIGHT, e.g. ct24-en:0.5."
        ) from err
    if not 0 < weight <= 1:
        raise InputError(f"--extra {entry!r}: the weight must be in (0, 1], got {tail}.")
    if not path:
        raise InputError(f"--extra {entry!r}: the folder is missing before the ':'.")
    layout(path)
    return path, weight


def layout(folder: str | Path) -> str:
    """`TSV` (ct24-en's layout) or `PTC`; anything else is an InputError."""
    root = Path(folder)
    if (root / "articles").is_dir() and (root / "labels-flc-tc.tsv").is_file():
        return TSV
    if (root / "train-articles").is_dir() and (root / "train-labels-task-flc-tc").is_dir():
        return PTC
    raise InputError(
        f"{root} is not an extra training folder: expected articles/ and labels-flc-tc.tsv "
        "(optionally ignore-spans.tsv), or a PTC folder with train-articles/ and "
        "train-labels-task-flc-tc/."
    )


def read_extra(folder: str | Path) -> ExtraCorpus:
    """Read and check an extra folder: every label and ignore span must name one of its
    articles and lie inside that article's text, and every label a PTC technique."""
    root = Path(folder)
    if layout(root) == TSV:
        docs = ptc.read_articles(root / "articles")
        labels = _labels(root / "labels-flc-tc.tsv")
        ignore_file = root / "ignore-spans.tsv"
        ignore = read_ignore_spans(ignore_file) if ignore_file.is_file() else {}
    else:
        docs = ptc.read_articles(root / "train-articles")
        labels = _labels(root / "train-labels-task-flc-tc")
        ignore = {}
    lengths = {str(d.id): len(d.text) for d in docs}
    spans = [(lab.article_id, lab.start, lab.end, "labels") for lab in labels]
    spans += [(ident, s, e, "ignore-spans.tsv") for ident, rows in ignore.items() for s, e in rows]
    for ident, start, end, where in spans:
        if ident not in lengths:
            raise InputError(f"{root}: {where} names article {ident}, which has no article{ident}.txt.")
        if end > lengths[ident]:
            raise InputError(
                f"{root}: {where} has span {start}..{end} in article {ident}, "
                f"whose text is only {lengths[ident]} characters long."
            )
    return ExtraCorpus(docs, ptc.group_by_article(labels), ignore)


def _labels(path: Path) -> list[ptc.Label]:
    """TC labels (`id technique start end`), each naming one of PTC's techniques."""
    try:
        labels = ptc.read_labels(path)
    except FormatError as err:
        raise InputError(
            f"{err} Map each technique to its PTC name, or list spans of techniques PTC "
            "lacks in ignore-spans.tsv."
        ) from err
    for label in labels:
        if label.technique in (None, "?"):
            raise InputError(
                f"{path}: article {label.article_id} span {label.start}..{label.end} has no "
                "technique: extra labels are `id technique start end` rows."
            )
    return labels


def read_ignore_spans(path: str | Path) -> dict[str, list[tuple[int, int]]]:
    """`[start, end)` spans by article id from `id technique start end` rows; the technique
    (one PTC lacks) is not kept."""
    path = Path(path)
    found: dict[str, list[tuple[int, int]]] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            try:
                ident, _, start, end = fields
                span = (int(start), int(end))
            except ValueError as err:
                raise InputError(
                    f"{path}:{number}: expected `id<TAB>technique<TAB>start<TAB>end` with whole "
                    f"number offsets, found {fields!r}."
                ) from err
            if not 0 <= span[0] < span[1]:
                raise InputError(f"{path}:{number}: bad offsets {span[0]}..{span[1]}.")
            found.setdefault(ident, []).append(span)
    return found
