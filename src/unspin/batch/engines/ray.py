"""The Ray engine: Ray Data `map_batches` over an actor pool, the model loaded once per actor.

Documents go to Ray in waves (`wave_size`, default 20,000) so a corpus of any size streams;
each wave starts one actor pool. Results come back to the driver, which writes them to the
store batch by batch (or Ray writes them to Parquet with `output`). Ray is imported here only.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from unspin.doc import Analysis, Cue, Document, Span

if TYPE_CHECKING:
    from unspin.batch.run import BatchSettings

WAVE_SIZE = 20_000


def encode_spans(analysis: Analysis) -> str:
    """Spans as compact JSON: [[start, end, technique, score, [[start, end, weight], ...]], ...]."""
    return json.dumps([[s.start, s.end, s.technique, round(s.score, 6),
                        [[c.start, c.end, round(c.weight, 6)] for c in s.why]] for s in analysis.spans])


def decode_spans(doc: Document, data: str, model: str) -> Analysis:
    spans = tuple(Span(doc, a, b, t, score, tuple(Cue(cs, ce, w) for cs, ce, w in why))
                  for a, b, t, score, why in json.loads(data))
    return Analysis(doc, spans, model)


class AnalyzeActor:
    """One Ray actor: loads the model once, then analyzes batches of documents."""

    def __init__(self, model_path: str, window_batch: int = 16, threads: int = 1):
        import torch

        torch.set_num_threads(max(1, threads))
        import unspin

        self.analyzer = unspin.load(model_path)
        self.window_batch = window_batch

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        docs = [Document(str(text), id=str(i)) for i, text in zip(batch["id"], batch["text"], strict=True)]
        found = list(self.analyzer.pipe(docs, batch_size=self.window_batch))
        return {
            "document_id": np.array([a.doc.id for a in found], dtype=object),
            "model": np.array([a.model for a in found], dtype=object),
            "spans": np.array([encode_spans(a) for a in found], dtype=object),
            "figures": np.array([json.dumps(a.figures()) for a in found], dtype=object),
        }


def ensure_ray(address: str | None, num_cpus: int | None) -> Any:
    """`ray.init` once: a local Ray (with `num_cpus`) or the cluster at `address`."""
    import ray

    if not ray.is_initialized():
        options: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING,
                                   "log_to_driver": False, "configure_logging": True}
        if address:
            ray.init(address=address, **options)
        else:
            ray.init(num_cpus=num_cpus or os.cpu_count(), **options)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    return ray


def analyze_ray(docs: Iterator[Document], *, model_path: str, model: str,
                settings: BatchSettings) -> Iterator[Analysis]:
    """Analyses of `docs` computed on Ray, in the order Ray returns them."""
    ray = ensure_ray(settings.address, settings.actors)
    actors = settings.actors or max(1, int(ray.available_resources().get("CPU", 1)))
    threads = int(settings.ray_options.get("threads", 1))
    wave_size = int(settings.ray_options.get("wave_size", WAVE_SIZE))
    while True:
        wave = {d.id: d for d in islice(docs, wave_size)}
        if not wave:
            return
        rows = [{"id": i, "text": d.text} for i, d in wave.items()]
        blocks = max(1, min(len(rows), actors * 4))
        dataset = ray.data.from_items(rows, override_num_blocks=blocks).map_batches(
            AnalyzeActor,
            fn_constructor_kwargs={"model_path": str(model_path), "window_batch": settings.window_batch,
                                   "threads": threads},
            compute=ray.data.ActorPoolStrategy(size=actors),
            batch_size=max(1, min(settings.batch_size, -(-len(rows) // actors))),
            batch_format="numpy", num_cpus=threads,
        )
        if settings.output is not None:
            dataset = dataset.materialize()
            dataset.write_parquet(settings.output)
        for batch in dataset.iter_batches(batch_size=settings.batch_size, batch_format="numpy"):
            for doc_id, spans in zip(batch["document_id"], batch["spans"], strict=True):
                yield decode_spans(wave[str(doc_id)], str(spans), model)
