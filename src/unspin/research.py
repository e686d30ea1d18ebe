"""SemEval workflows on folders of `article<ID>.txt`: predict SI, TC or FLC label rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from unspin.errors import FormatError, InputError
from unspin.io import ptc

T = TypeVar("T")


def _identity(items: Iterable[T], **_: Any) -> Iterable[T]:
    return items


def predict_folder(
    articles: str | Path,
    task: str,
    out: str | Path,
    *,
    template: str | Path | None = None,
    model: str | None = None,
    span_threshold: float | None = None,
    track: Callable[..., Iterable[Any]] = _identity,
) -> int:
    """Predict `task` ("si", "tc", "flc") for every article; write rows to `out`.

    TC needs `template`: rows `id ? start end` (the gold spans to label). `span_threshold`
    overrides the model's span-decoding threshold (not the least score `analyze` shows). `track` wraps
    the article iterator (e.g. a progress bar). Returns the number of rows written.
    """
    from unspin.pipeline import load
    from unspin.runtime.semeval import si_labels, tc_labels

    docs = ptc.read_articles(articles)
    analyzer = load(model)
    predictor = analyzer.predictor
    texts: Iterator[str] = (d.text for d in track(docs, description=f"{task} predictions", total=len(docs)))
    rows: list[ptc.Label] = []
    if task == "tc":
        if template is None:
            raise InputError("--task tc needs --spans TEMPLATE (rows `id ? start end`).")
        wanted = ptc.group_by_article(ptc.read_labels(template))
        unknown = set(wanted) - {str(d.id) for d in docs}
        if unknown:
            raise FormatError(f"The template names articles not in {articles}: {sorted(unknown)[:5]}")
        for d in docs:
            for lab in wanted.get(str(d.id), []):
                if lab.end > len(d.text):
                    raise FormatError(
                        f"Template span {lab.start}..{lab.end} is past the end of article {d.id}."
                    )
        templates = [[(lab.start, lab.end) for lab in wanted.get(str(d.id), [])] for d in docs]
        unique = [sorted(set(t)) for t in templates]
        for d, raws, tmpl in zip(docs, predictor.label(texts, unique), templates, strict=True):
            rows += tc_labels(str(d.id), raws, tmpl, predictor.techniques)
    elif task in ("si", "flc"):
        from unspin.runtime.calibration import scored

        found = predictor.find(texts, span_threshold=span_threshold, labelled=task == "flc")
        least = predictor.settings.min_score
        for d, raws in zip(docs, found, strict=True):
            rows += (
                si_labels(str(d.id), raws)
                if task == "si"
                else [
                    ptc.Label(str(d.id), r.start, r.end, name)
                    for r, name, _ in scored(raws, predictor.techniques, predictor.settings, least)
                ]
            )
    else:
        raise InputError(f"Unknown task {task!r}: expected si, tc or flc.")
    return ptc.write_labels(rows, out)
