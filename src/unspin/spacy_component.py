"""The `unspin` spaCy pipeline component: technique spans in `doc.spans["unspin"]`.

    import spacy
    nlp = spacy.blank("en")                  # or any pipeline of yours
    nlp.add_pipe("unspin", config={"model": "fast", "alignment": "expand"})
    doc = nlp("These corrupt traitors will destroy our great nation!")
    for span, score in zip(doc.spans["unspin"], doc.spans["unspin"].attrs["scores"]):
        print(span.text, span.label_, score)

The factory is registered through the `spacy_factories` entry point, so `nlp.add_pipe("unspin")`
works once unspin is installed (`pip install 'unspin[spacy]'`), without importing this module.

unspin finds spans on character offsets; spaCy spans are made of tokens. How a span becomes
tokens is a named policy, spaCy's own `Doc.char_span(alignment_mode=...)`:

- `strict`: only spans whose both ends fall on token boundaries; the others are skipped;
- `contract`: the tokens wholly inside the span (skipped when there is none);
- `expand` (default): every token the span touches.

Skipped spans are counted in `doc.spans[key].attrs["skipped"]`, never moved silently. The
group's attrs also hold `scores` (one per span, as spaCy's spancat does), `model` and
`alignment`; `doc.spans[key].attrs["chars"]` keeps each span's original `[start, end)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, SpanGroup

from unspin.doc import Analysis
from unspin.errors import InputError

ALIGNMENTS = ("strict", "contract", "expand")


class UnspinComponent:
    """Predicts with an unspin `Analyzer` (pure: docs in, analyses out), then writes spans."""

    def __init__(self, nlp: Language, name: str = "unspin", *, model: str | None = None,
                 alignment: str = "expand", spans_key: str = "unspin", threshold: float | None = None,
                 batch_size: int = 16, analyzer: Any = None):
        if alignment not in ALIGNMENTS:
            raise InputError(f"Unknown alignment {alignment!r}; expected one of {', '.join(ALIGNMENTS)}.")
        if analyzer is None:
            import unspin

            analyzer = unspin.load(model)
        self.name, self.analyzer = name, analyzer
        self.alignment, self.spans_key = alignment, spans_key
        self.threshold, self.batch_size = threshold, batch_size

    def predict(self, docs: Iterable[Doc]) -> list[Analysis]:
        """Analyses of the docs' texts (no annotation written)."""
        texts = [doc.text for doc in docs]
        return list(self.analyzer.pipe(texts, batch_size=self.batch_size, threshold=self.threshold))

    def set_annotations(self, docs: Iterable[Doc], analyses: Iterable[Analysis]) -> None:
        """Write each analysis into `doc.spans[spans_key]` under the alignment policy."""
        for doc, analysis in zip(docs, analyses, strict=True):
            kept, scores, chars, skipped = [], [], [], 0
            for span in analysis.spans:
                found = doc.char_span(span.start, span.end, label=span.technique,
                                      alignment_mode=self.alignment)
                if found is None:
                    skipped += 1
                    continue
                kept.append(found)
                scores.append(float(span.score))
                chars.append((span.start, span.end))
            group = SpanGroup(doc, name=self.spans_key, spans=kept,
                              attrs={"scores": scores, "chars": chars, "skipped": skipped,
                                     "model": analysis.model, "alignment": self.alignment})
            doc.spans[self.spans_key] = group

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations([doc], self.predict([doc]))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 32) -> Iterator[Doc]:
        batch: list[Doc] = []
        for doc in stream:
            batch.append(doc)
            if len(batch) >= batch_size:
                self.set_annotations(batch, self.predict(batch))
                yield from batch
                batch = []
        if batch:
            self.set_annotations(batch, self.predict(batch))
            yield from batch


@Language.factory("unspin", default_config={"model": None, "alignment": "expand", "spans_key": "unspin",
                                            "threshold": None, "batch_size": 16})
def make_unspin(nlp: Language, name: str, model: str | None, alignment: str, spans_key: str,
                threshold: float | None, batch_size: int) -> UnspinComponent:
    """The spaCy factory: `model` is a tier ("fast", "accurate") or a model folder."""
    return UnspinComponent(nlp, name, model=model, alignment=alignment, spans_key=spans_key,
                           threshold=threshold, batch_size=batch_size)
