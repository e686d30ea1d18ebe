"""Reviewer corrections of an analysis: accept, reject, relabel, resize or add a span.

Corrections are an append-only log (who, when, what); the reviewed version of an analysis is
the model's spans with the log replayed over them, the last correction of each span winning.
Model spans are keyed `m<index>` (their position in the saved analysis), added ones `a<token>`.
Pure functions on plain dicts: the store saves the log, the web app and the exporter replay it.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable
from typing import Any

from unspin import taxonomy
from unspin.errors import InputError, UnknownTechniqueError

ACTIONS = ("accept", "reject", "relabel", "resize", "add", "reset")
STATUS = {"accept": "accepted", "reject": "rejected", "relabel": "relabelled", "resize": "resized",
          "add": "added"}
MAX_REVIEWER = 100


def reviewer_name(name: Any) -> str:
    """A reviewer's name as stored: format characters (bidi overrides and isolates, zero-width
    spaces and joiners, BOM, soft hyphen) and controls dropped, whitespace runs made one space,
    at most `MAX_REVIEWER` characters."""
    kept = "".join(c for c in str(name or "") if unicodedata.category(c) not in ("Cf", "Cc") or c in "\t\n")
    return " ".join(kept.split())[:MAX_REVIEWER]


def correction(action: str, *, text: str, spans: list[dict[str, Any]], reviewer: str,
               target: str | None = None, start: int | None = None, end: int | None = None,
               technique: str | None = None) -> dict[str, Any]:
    """A checked correction (action, target, resulting start/end/technique, reviewer) for the
    current reviewed `spans` of `text`; `InputError` says what is wrong."""
    if action not in ACTIONS:
        raise InputError(f"Unknown review action {action!r}; use one of {', '.join(ACTIONS)}.")
    who = reviewer_name(reviewer)
    if not who:
        raise InputError("Say who is reviewing: give a reviewer name (set it once on the page).")
    by_key = {s["key"]: s for s in spans}
    if action == "add":
        target = "a" + secrets.token_hex(6)
        current: dict[str, Any] = {}
    else:
        if target not in by_key:
            raise InputError(f"No span {target!r} in this analysis to {action}.")
        current = by_key[target]
    start = current.get("start") if start is None else int(start)
    end = current.get("end") if end is None else int(end)
    technique = current.get("technique") if technique is None else technique
    if start is None or end is None or technique is None:
        raise InputError("An added span needs start, end and technique.")
    if not 0 <= start < end <= len(text):
        raise InputError(f"Span offsets must satisfy 0 <= start < end <= {len(text)}; got {start}..{end}.")
    if not text[start:end].strip():
        raise InputError("A span must cover some text, not only spaces.")
    return {"action": action, "target": target, "start": start, "end": end,
            "technique": taxonomy.normalize(technique), "reviewer": who}


def reviewed(text: str, model_spans: list[dict[str, Any]],
             corrections: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The model's spans with `corrections` (oldest first) replayed: each span dict has `key`,
    `start`, `end`, `text`, `technique`, `score`, `why`, `status` ("model" when untouched,
    else accepted, rejected, relabelled, resized or added), `reviewer`, `at` and `model`
    (the model's own start, end and technique; None for added spans) and `version`: how many
    corrections name the span so far (a reviewer sends it back so a change made meanwhile by
    someone else is refused instead of silently overwritten)."""
    state: dict[str, dict[str, Any]] = {}
    versions: dict[str, int] = {}
    for i, s in enumerate(model_spans):
        origin = {"start": s["start"], "end": s["end"], "technique": s["technique"]}
        state[f"m{i}"] = {**origin, "key": f"m{i}", "text": text[s["start"]:s["end"]], "score": s["score"],
                          "why": s.get("why", []), "status": "model", "reviewer": None, "at": None,
                          "model": origin}
    originals = {k: dict(v) for k, v in state.items()}
    for c in corrections:
        key = c["target"]
        versions[key] = versions.get(key, 0) + 1
        if c["action"] == "reset":
            if key in originals:
                state[key] = dict(originals[key])
            else:
                state.pop(key, None)
            continue
        span = state.get(key) or {"key": key, "score": 1.0, "why": [], "model": None}
        span.update(start=c["start"], end=c["end"], technique=c["technique"],
                    text=text[c["start"]:c["end"]], status=STATUS[c["action"]],
                    reviewer=c.get("reviewer"), at=c.get("created"))
        state[key] = span
    for key, span in state.items():
        span["version"] = versions.get(key, 0)
    return sorted(state.values(), key=lambda s: (s["start"], s["end"], s["technique"], s["key"]))


def version_of(spans: Iterable[dict[str, Any]], key: str | None) -> int:
    """The `version` of span `key` in reviewed `spans` (0 for one never corrected or gone)."""
    return next((s["version"] for s in spans if s["key"] == key), 0)


def kept(spans: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The spans a reviewer's version of the article keeps (all but the rejected ones)."""
    return [s for s in spans if s["status"] != "rejected"]


def agreement(articles: Iterable[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Model vs reviewer per technique over reviewed articles (each a `reviewed()` list):
    `model` spans the model found, `reviewer` spans the reviewed version holds, `agreed`
    model spans kept with the same technique, `rejected`, `relabelled` (model spans moved to
    another technique), `added`, and `agreement` = 2·agreed / (model + reviewer)."""
    rows: dict[str, dict[str, Any]] = {}

    def row(name: str) -> dict[str, Any]:
        return rows.setdefault(name, {"technique": name, "model": 0, "reviewer": 0, "agreed": 0,
                                      "rejected": 0, "relabelled": 0, "added": 0})

    for spans in articles:
        for s in spans:
            origin = s["model"]
            if origin is not None:
                r = row(origin["technique"])
                r["model"] += 1
                if s["status"] == "rejected":
                    r["rejected"] += 1
                elif s["technique"] == origin["technique"]:
                    r["agreed"] += 1
                else:
                    r["relabelled"] += 1
            if s["status"] != "rejected":
                row(s["technique"])["reviewer"] += 1
                if origin is None:
                    row(s["technique"])["added"] += 1
    out = []
    others = sorted(set(rows) - set(taxonomy.NAMES))  # an adapted model's, or a reviewer's own
    for name in [*taxonomy.NAMES, *others]:
        if name in rows:
            r = rows[name]
            both = r["model"] + r["reviewer"]
            r["agreement"] = round(2 * r["agreed"] / both, 3) if both else 1.0
            r["display"] = _display(name)
            out.append(r)
    return out


def _display(name: str) -> str:
    try:
        return taxonomy.get(name).display
    except UnknownTechniqueError:  # not known to this process: its name as stored
        return name
