"""Scoring a model on labelled data written in another taxonomy (an adapted model's own names
on PTC's articles, PTC's on a team's): the model's techniques are renamed into the data's
spelling where one continues the other, and technique figures count only the techniques both
have. Without it every span of a technique spelt otherwise would count as wrong, and every span
of a technique the data never labels as a false alarm."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from unspin import taxonomy
from unspin.io.ptc import Label


@dataclass(frozen=True)
class Shared:
    """What is scored: the data's techniques that the model continues, the model's names
    renamed into the data's (None: a technique the data lacks), and the gold of those."""

    techniques: list[str]  # in the data's spelling
    rename: Callable[[str], str | None]  # a model technique's name in the data, if scored
    labels: dict[str, list[Label]]  # per article, the gold of `techniques`
    left_out: int  # gold spans of other techniques

    def rows(self, found: list[Label]) -> list[Label]:
        """Predicted rows of scored techniques, in the data's names."""
        return [Label(r.article_id, r.start, r.end, t) for r in found if (t := self.rename(str(r.technique)))]

    def choices(self, found: list[Label]) -> list[Label]:
        """TC's rows (one per gold span): renamed where scored, a name the data lacks kept (wrong)."""
        return [Label(r.article_id, r.start, r.end, self.rename(str(r.technique)) or r.technique)
                for r in found]


def shared(model: list[str], labels: dict[str, list[Label]], only: list[str] | None = None) -> Shared | None:
    """How a model with the techniques `model` is scored on `labels`: None when every gold
    name is one of the model's and `only` is not given (nothing to map). The data's taxonomy
    is PTC's 14 when every gold name is one of them, else the names in the gold. `only` (names
    in any spelling) narrows the techniques, so that models in different taxonomies are scored
    on the same ones."""
    present = sorted({str(g.technique) for rows in labels.values() for g in rows})
    if only is None and set(present) <= set(model):
        return None
    to_data = taxonomy.renamer(list(taxonomy.NAMES) if set(present) <= set(taxonomy.NAMES) else present)
    scored = sorted({d for m in model if (d := to_data(m)) is not None})
    if only is not None:
        scored = [d for d in scored if d in {to_data(o) for o in only}]

    def rename(name: str) -> str | None:
        return d if (d := to_data(name)) in scored else None

    kept = {a: [g for g in rows if g.technique in scored] for a, rows in labels.items()}
    left_out = sum(len(rows) for rows in labels.values()) - sum(len(rows) for rows in kept.values())
    return Shared(scored, rename, kept, left_out)


__all__ = ["Shared", "shared"]
