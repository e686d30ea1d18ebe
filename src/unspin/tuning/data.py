"""Reading a labelled corpus: a PTC folder (train-articles, train-labels-task-flc-tc) or a
Label Studio / doccano export."""

from __future__ import annotations

from pathlib import Path

from unspin.doc import Document
from unspin.io import ptc


def load_corpus(root: str | Path) -> tuple[list[Document], dict[str, list[ptc.Label]]]:
    root = Path(root)
    if root.is_file():  # a Label Studio .json or doccano .jsonl export
        from unspin.io.annotations import read_annotations

        found = read_annotations(root)
        return found.docs, found.labels
    docs = ptc.read_articles(root / "train-articles")
    labels = ptc.group_by_article(ptc.read_labels(root / "train-labels-task-flc-tc"))
    return docs, labels
