"""Tune the decoding settings of a trained model on the validation split: the span
threshold for SI F1, and the span and second-technique thresholds for FLC F1. The encoder runs
once per article; only decoding repeats."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from unspin import scoring
from unspin.doc import Document
from unspin.errors import InputError
from unspin.io import ptc
from unspin.runtime.decode.bio import spans_from_bio, token_spans, with_token_spans
from unspin.runtime.decode.whole import whole_spans, with_whole_spans
from unspin.runtime.folder import ModelFolder
from unspin.runtime.predictor import Predictor
from unspin.runtime.semeval import flc_labels, si_labels, tc_labels

THRESHOLDS = tuple(np.round(np.arange(0.1, 0.76, 0.05), 2))
SECOND = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 1.01)
TOKEN = (None, 0.2, 0.25, 0.3, 0.35, 0.4)  # None: no token-head spans
SEEDS = (None, 0.4, 0.5, 0.6)  # None: no hysteresis
WORD_LEVEL = (False, True)  # decide per piece, or per word on its pieces' mean
GAPS = (0, 6, 12)  # join spans at most this many characters apart
MIX = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6)  # token head's share in span technique probabilities
WHOLE = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5)  # whole-text spans (tried where `whole` names techniques)


def tune(
    predictor: Predictor,
    docs: list[Document],
    gold: dict[str, list[ptc.Label]],
    *,
    encoded: list[Any] | None = None,
    whole: Sequence[str] = (),
) -> dict[str, Any]:
    """Tune the decoding settings (see `_tune`) from `encoded` (the docs' encodings, made
    here when not given), with whole-text spans tried for the techniques in `whole`;
    `predictor.settings` is left as it was."""
    kept = dataclasses.replace(predictor.settings)
    try:
        return _tune(predictor, docs, gold, encoded or list(predictor.encode([d.text for d in docs])), whole)
    finally:
        predictor.settings = kept


def tune_fusion(
    predictor: Any,
    docs: list[Document],
    gold: dict[str, list[ptc.Label]],
    firsts: Sequence[float],
    technique_firsts: Sequence[float] = (),
) -> dict[str, Any]:
    """For a fused pair: the first member's weight among `firsts` (the second gets the
    rest) whose tuned settings give the best SI + TC + FLC F1, with those settings; then,
    with `technique_firsts`, its own weight for the techniques, chosen the same way (the
    span weight is kept where none does better)."""
    if len(getattr(predictor, "members", ())) != 2:
        raise InputError("Tuning weights needs a fused model folder with two members.")
    if not firsts or not all(0.0 <= w <= 1.0 for w in [*firsts, *technique_firsts]):
        raise InputError("Member weights must lie in [0, 1].")
    kept = predictor.weights, predictor.technique_weights
    encoded = list(predictor.encode([d.text for d in docs]))
    table: dict[str, Any] = {"weights": {}}

    def tried(attribute: str, first: float) -> tuple[dict[str, Any], float]:
        setattr(predictor, attribute, _pair(first))
        tuned = tune(predictor, docs, gold, encoded=encoded)
        total = tuned["si_f1"] + tuned["tc_f1"] + tuned["flc_f1"]
        table[attribute][str(first)] = round(total, 4)
        return tuned, total

    best: dict[str, Any] | None = None
    try:
        predictor.technique_weights = None
        for w in firsts:
            tuned, total = tried("weights", w)
            if best is None or total > best["total"]:
                best = {**tuned, "weights": [w, round(1.0 - w, 4)], "total": total}
        assert best is not None
        predictor.weights = _pair(best["weights"][0])
        if technique_firsts:
            table["technique_weights"] = {}
        for w in technique_firsts:
            tuned, total = tried("technique_weights", w)
            if total > best["total"]:
                best = {**tuned, "weights": best["weights"], "technique_weights": [w, round(1.0 - w, 4)],
                        "total": total}
    finally:
        predictor.weights, predictor.technique_weights = kept
    best.pop("total")
    best["table"] = {**best["table"], **table}
    return best


def _pair(first: float) -> np.ndarray:
    return np.asarray([first, 1.0 - first], dtype=np.float32)


def _tune(
    predictor: Predictor, docs: list[Document], gold: dict[str, list[ptc.Label]], encoded: list[Any],
    whole: Sequence[str] = (),
) -> dict[str, Any]:
    """Best seed (hysteresis) threshold, word-level decision and merge gap for SI; with
    those, best span thresholds for SI and FLC and the second-technique threshold, then the
    best token-head threshold (or none) on top of them, then the whole-text threshold (or
    none) for the techniques in `whole`; the figures at each."""
    gold_rows = [lab for d in docs for lab in gold.get(str(d.id), [])]
    gold_si = [ptc.Label(g.article_id, g.start, g.end) for g in gold_rows]

    def flc_of(raws_by_doc: list[list[Any]], second: float) -> float:
        """FLC F1 of the spans decoded in each doc, labelled with runner-ups from `second`."""
        pred = [lab for d, r in zip(docs, raws_by_doc, strict=True)
                for lab in flc_labels(str(d.id), r, second, predictor.techniques)]
        return scoring.score_flc(pred, gold_rows).f1

    table: dict[str, Any] = {"seed": {}, "threshold": {}, "flc": {}}
    best: dict[str, Any] = {"si": -1.0, "flc": -1.0, "seed": -1.0}
    best.update(_tune_si_decoding(predictor, docs, encoded, gold_si, table["seed"]))
    predictor.settings.word_level, predictor.settings.merge_gap = best["word_level"], best["merge_gap"]
    predictor.settings.seed_threshold = best["seed_threshold"]
    table["token_mix"] = {}
    templates = [[(g.start, g.end) for g in gold.get(str(d.id), [])] for d in docs]
    for mix in MIX:
        predictor.settings.token_mix = mix
        pred = [
            lab
            for d, enc, template in zip(docs, encoded, templates, strict=True)
            for lab in tc_labels(
                str(d.id),
                predictor.classify(enc, [(s, e, 1.0) for s, e in sorted(set(template))]),
                template,
                predictor.techniques,
            )
        ]
        tc = scoring.score_tc(pred, gold_rows).f1
        table["token_mix"][str(mix)] = round(tc, 4)
        if tc > best.get("tc", -1.0):
            best.update(tc=tc, token_mix=mix)
    predictor.settings.token_mix = best["token_mix"]
    for th in THRESHOLDS:
        raws_by_doc = [predictor.spans(enc, float(th)) for enc in encoded]
        si = scoring.score_si(
            [lab for d, r in zip(docs, raws_by_doc, strict=True) for lab in si_labels(str(d.id), r)], gold_si
        ).f1
        table["threshold"][float(th)] = round(si, 4)
        if si > best["si"]:
            best.update(si=si, threshold=float(th))
        for second in SECOND:
            flc = flc_of(raws_by_doc, second)
            table["flc"][f"{float(th)}/{second}"] = round(flc, 4)
            if flc > best["flc"]:
                best.update(flc=flc, flc_threshold=float(th), second_threshold=second)
    table["token"] = {}
    spans_at = [predictor.spans(enc, best["flc_threshold"]) for enc in encoded]
    stitched = [predictor.stitched(enc) for enc in encoded]
    for token in TOKEN:
        raws_by_doc = (
            spans_at
            if token is None
            else [
                with_token_spans(f, token_spans(s.doc.text, s.doc.tokens.offsets, s.tech, token))
                for f, s in zip(spans_at, stitched, strict=True)
            ]
        )
        flc = flc_of(raws_by_doc, best["second_threshold"])
        table["token"][str(token)] = round(flc, 4)
        if token is None or flc > best["flc"]:
            best.update(flc=flc, token_threshold=token, with_token=raws_by_doc)
    best["whole_threshold"] = None
    if whole:
        table["whole"] = {}
        longest = predictor.settings.max_len - 2
        for th in WHOLE:
            raws_by_doc = [
                with_whole_spans(f, whole_spans(s.doc.text, s.doc.tokens.offsets, s.tech,
                                                predictor.techniques, whole, th, longest))
                for f, s in zip(best["with_token"], stitched, strict=True)
            ]
            flc = flc_of(raws_by_doc, best["second_threshold"])
            table["whole"][str(th)] = round(flc, 4)
            if flc > best["flc"]:
                best.update(flc=flc, whole_threshold=th)
    return {
        "threshold": best["threshold"],
        "flc_threshold": best["flc_threshold"],
        "token_threshold": best["token_threshold"],
        "whole_threshold": best["whole_threshold"],
        "whole_techniques": list(whole) if best["whole_threshold"] is not None else [],
        "seed_threshold": best["seed_threshold"],
        "word_level": best["word_level"],
        "merge_gap": best["merge_gap"],
        "token_mix": best["token_mix"],
        "tc_f1": round(best["tc"], 4),
        "second_threshold": best["second_threshold"],
        "si_f1": round(best["si"], 4),
        "flc_f1": round(best["flc"], 4),
        "table": table,
    }


def _tune_si_decoding(
    predictor: Predictor,
    docs: list[Document],
    encoded: list[Any],
    gold_si: list[ptc.Label],
    table: dict[str, float],
) -> dict[str, Any]:
    """The seed threshold, word-level decision and merge gap (with any span threshold)
    that give the best SI F1; every figure goes into `table`."""
    bios = [predictor._bio(enc) for enc in encoded]
    settings = dataclasses.replace(predictor.settings)
    best: dict[str, Any] = {"seed": -1.0}
    for word_level in WORD_LEVEL:
        for gap in GAPS:
            for seed in SEEDS:
                settings.word_level, settings.merge_gap, settings.seed_threshold = word_level, gap, seed
                for th in THRESHOLDS:
                    if seed is not None and th >= seed:
                        continue
                    pred = [
                        ptc.Label(str(d.id), start, end)
                        for d, (doc, bio) in zip(docs, bios, strict=True)
                        for start, end, _ in spans_from_bio(
                            doc.text, doc.tokens.offsets, bio, float(th), settings, doc.words()
                        )
                    ]
                    si = scoring.score_si(pred, gold_si).f1
                    table[f"{float(th)}/{seed}/{'word' if word_level else 'piece'}/{gap}"] = round(si, 4)
                    if si > best["seed"]:
                        best.update(seed=si, seed_threshold=seed, word_level=word_level, merge_gap=gap)
    return best


def write_settings(folder: str | Path, tuned: dict[str, Any]) -> None:
    """Store tuned settings in a model folder's config.json."""
    model = ModelFolder.read(folder)
    config = model.config
    keys = ("threshold", "flc_threshold", "token_threshold", "seed_threshold", "word_level", "merge_gap",
            "token_mix", "second_threshold", "whole_threshold", "whole_techniques")
    model.update_settings(**{key: tuned[key] for key in keys})
    config["tuning"] = tuned["table"]
    if "weights" in tuned:
        config["weights"] = tuned["weights"]
        config.pop("technique_weights", None)
    if "technique_weights" in tuned:
        config["technique_weights"] = tuned["technique_weights"]
    model.write()
