"""Building the span memory (`unspin.runtime.decode.memory`): the table of the techniques
annotators gave to the same words in the training articles (the train split only)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from unspin.doc import Document
from unspin.io.ptc import Label
from unspin.runtime.decode.memory import key


def build(spans: Iterable[tuple[str, str]], names: Sequence[str]) -> dict[str, str]:
    """The table for `(span text, technique)` pairs: key -> "index:count,..." with
    indices into `names` (techniques not in `names` are skipped)."""
    index = {n: i for i, n in enumerate(names)}
    counts: dict[str, Counter[int]] = defaultdict(Counter)
    for text, technique in spans:
        k = key(text)
        if k and technique in index:
            counts[k][index[technique]] += 1
    return {
        k: ",".join(f"{i}:{n}" for i, n in sorted(c.items())) for k, c in sorted(counts.items())
    }


def of_documents(
    docs: Iterable[Document], labels: dict[str, list[Label]], names: Sequence[str]
) -> dict[str, str]:
    """The table of the technique spans `labels` (by document id) marks in `docs` (pass
    the train split only: never the tuning or report split)."""
    spans = ((d.text[g.start : g.end], str(g.technique)) for d in docs for g in labels.get(str(d.id), []))
    return build(spans, names)


