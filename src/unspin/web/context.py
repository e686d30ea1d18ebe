"""Page data built from stored analyses (plain dicts): one context per page, which the HTML
view renders and the JSON twin returns, so the two cannot drift."""

from __future__ import annotations

import math
import zlib
from typing import Any
from urllib.parse import urlsplit

from unspin import review, taxonomy
from unspin.errors import UnknownTechniqueError
from unspin.ingest.normalize import NOTE_KEY, note_text
from unspin.render import cut

# Not by colour alone: each technique has a short tag drawn where its spans start, and each
# group an underline style. Colours come from the taxonomy (a colour-blind-safe palette,
# distinct within each group under simulated protanopia, deuteranopia and tritanopia).
TAGS = {
    "Appeal_to_Authority": "AU", "Appeal_to_fear-prejudice": "FE", "Bandwagon,Reductio_ad_hitlerum": "BA",
    "Black-and-White_Fallacy": "BW", "Causal_Oversimplification": "CO", "Doubt": "DO",
    "Exaggeration,Minimisation": "EX", "Flag-Waving": "FW", "Loaded_Language": "LL",
    "Name_Calling,Labeling": "NC", "Repetition": "RE", "Slogans": "SL", "Thought-terminating_Cliches": "TC",
    "Whataboutism,Straw_Men,Red_Herring": "WS",
}
GROUPS = {
    "words": ("solid", ("Loaded_Language", "Name_Calling,Labeling", "Exaggeration,Minimisation", "Repetition",
                        "Slogans")),
    "appeals": ("dashed", ("Appeal_to_Authority", "Appeal_to_fear-prejudice", "Flag-Waving",
                           "Bandwagon,Reductio_ad_hitlerum", "Doubt")),
    "reasoning": ("dotted", ("Black-and-White_Fallacy", "Causal_Oversimplification",
                             "Thought-terminating_Cliches", "Whataboutism,Straw_Men,Red_Herring")),
}
GROUP_OF = {name: (group, style) for group, (style, names) in GROUPS.items() for name in names}
EXTRA_SLOTS = len(taxonomy.FALLBACK_COLORS)  # colour classes 14..21 for techniques outside PTC's 14
LONG_SPAN = 160  # characters: longer spans are drawn as an outline so nested ones stay visible


def technique_info(name: str, definition: str | None = None) -> dict[str, Any]:
    """How the pages show a technique: PTC's 14 from the taxonomy; another (an adapted model's,
    or one a reviewer added, with its `definition`) by its registered display name and
    definition, a colour class from 14 to 21 chosen by its name, a tag of its initials and a
    solid underline."""
    if name in taxonomy.BY_NAME:
        t, group = taxonomy.BY_NAME[name], GROUP_OF[name]
        return {"name": name, "display": t.display, "definition": t.definition, "example": t.example,
                "color": t.color, "index": taxonomy.INDEX[name], "tag": TAGS[name],
                "group": group[0], "line": group[1]}
    try:
        t = taxonomy.get(name)
    except UnknownTechniqueError:
        t = taxonomy.custom(name)
    slot = zlib.crc32(name.encode("utf-8")) % EXTRA_SLOTS
    words = [w for w in t.display.replace("_", " ").replace("-", " ").split() if w[:1].isalnum()]
    tag = ("".join(w[0] for w in words[:2]) if len(words) > 1 else (words[0][:2] if words else "??")).upper()
    given = definition if definition and t.definition == taxonomy.NO_DEFINITION else None
    return {"name": name, "display": t.display, "definition": given or t.definition, "example": t.example,
            "color": taxonomy.FALLBACK_COLORS[slot], "index": len(taxonomy.NAMES) + slot, "tag": tag,
            "group": "other", "line": "solid"}


def techniques_for(names: list[str], added: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The techniques a reviewer may choose for an analysis: its model's (`names`, in output
    order), then those reviewers added (name and definition), each once, with their numbers."""
    seen, out = set(), []
    definitions = {a["name"]: a.get("definition") for a in added or []}
    for name in [*names, *definitions]:
        if name not in seen:
            seen.add(name)
            out.append({**technique_info(name, definitions.get(name)), "added": name in definitions
                        and name not in names})
    return out


def technique_list() -> list[dict[str, Any]]:
    """The 14 techniques as plain data, in taxonomy order."""
    return [
        {
            "name": t.name,
            "display": t.display,
            "definition": t.definition,
            "example": t.example,
            "color": t.color,
            "index": i,
            "tag": TAGS[t.name],
            "group": GROUP_OF[t.name][0],
            "line": GROUP_OF[t.name][1],
        }
        for i, t in enumerate(taxonomy.TECHNIQUES)
    ]


def safe_link(url: Any) -> str | None:
    """`url` when it is an http(s) URL that may go in an href, else None."""
    if not isinstance(url, str):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def segments(text: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`text` cut at every span boundary: consecutive segments covering all of it, each with
    the indexes of the spans covering it (innermost first), so overlaps lose nothing. Spans a
    reviewer rejected are left out; `starts` lists the spans that begin at a segment (where
    the page puts its one tab stop), `long` says the innermost one is long (drawn as an
    outline); `label` names the segment: its own text, then the spans starting there (or, in
    `all_label`, every span covering it)."""
    live = [i for i, s in enumerate(spans) if s.get("status") != "rejected"]
    bounds = [(spans[i]["start"], spans[i]["end"]) for i in live]

    def order(j: int) -> tuple[int, float, int]:
        s = spans[live[j]]
        return (s["end"] - s["start"], -s["score"], j)

    out = []
    for a, b, covers in cut(len(text), bounds, order=order):
        ids = [live[j] for j in covers]
        top = spans[ids[0]] if ids else None
        out.append({"start": a, "end": b, "text": text[a:b], "spans": ids,
                    "top": technique_info(top["technique"])["index"] if top else None,
                    "long": bool(top and top["end"] - top["start"] > LONG_SPAN),
                    "starts": [i for i in ids if spans[i]["start"] == a],
                    "label": piece_label(text[a:b], [spans[i] for i in ids if spans[i]["start"] == a]),
                    "all_label": "; ".join(aria_label(spans[i], text) for i in ids)})
    return out


def piece_label(piece: str, starting: list[dict[str, Any]]) -> str:
    """A tab stop's accessible name: the text it shows (so the name matches what is seen and
    said), then the techniques of the spans starting there, e.g. "mob (Name calling, 83%)"."""
    said = "; ".join(f"{technique_info(s['technique'])['display']}, "
                     + ("reviewer added" if s.get("status") == "added" else f"{round(s['score'] * 100)}%")
                     for s in starting)
    return f"{' '.join(piece.split())} ({said})" if said else " ".join(piece.split())


def aria_label(span: dict[str, Any], doc_text: str) -> str:
    """A highlight's accessible name: "Loaded language, 72%: the span's text"."""
    text = " ".join(doc_text[span["start"]:span["end"]].split())
    if len(text) > 120:
        text = text[:117] + "…"
    how = "reviewer added" if span.get("status") == "added" else f"{round(span['score'] * 100)}%"
    return f"{technique_info(span['technique'])['display']}, {how}: {text}"


def legend(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Techniques found, most spans first, with counts."""
    counts: dict[str, int] = {}
    for span in spans:
        counts[span["technique"]] = counts.get(span["technique"], 0) + 1
    rows = []
    for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], taxonomy.INDEX.get(kv[0], 99), kv[0])):
        t = technique_info(name)
        rows.append({k: t[k] for k in ("name", "display", "definition", "color", "index", "tag")}
                    | {"count": count})
    return rows


def source_of(record: dict[str, Any]) -> dict[str, Any]:
    """Where the text came from, safe to show: title, outlet, date, URL (a link only if http(s))
    and the input's name (a file name; not "text" or "html"), from the analysis's metadata,
    else its stored document (corpus analyses)."""
    meta = record.get("meta") or {}
    # a saved analysis records where its text came from; the stored document it shares with
    # other analyses of the same text may carry another input's URL or title
    doc = {} if meta.get("source") else (record.get("document") or {})
    url = meta.get("url") or doc.get("url")
    source = meta.get("source") or doc.get("source")
    outlet = meta.get("sitename") or (doc.get("source") if not meta.get("source") else None)
    shown = source if source not in (None, "", "text", "html", url, outlet) else None
    return {
        "title": meta.get("title") or doc.get("title"),
        "outlet": outlet,
        "date": meta.get("date") or doc.get("published"),
        "source": source,
        "input": shown,
        "url": url,
        "link": safe_link(url),
    }


def extracted_note(meta: dict[str, Any]) -> str | None:
    """For a PDF or Word file: where the text shown came from (offsets index that text)."""
    kind = meta.get("format")
    if kind not in ("pdf", "docx"):
        return None
    if kind == "docx":
        return "Text taken from the Word file's paragraphs and tables; spans and offsets refer to this text."
    pages = meta.get("pages") or 0
    blank = meta.get("pages_without_text") or 0
    said = f"Text taken from the PDF's text layer ({pages:,} page{'s' if pages != 1 else ''}"
    said += f", {blank:,} without text: scanned pages need OCR" if blank else ""
    return said + "); spans and offsets refer to this text, not to the PDF's layout."


def analysis_context(record: dict[str, Any]) -> dict[str, Any]:
    """Context of the analysis page (and its JSON twin)."""
    aid = record["id"]
    base = f"/a/{aid}"
    return {
        "analysis": record,
        "source": source_of(record),
        "legend": legend(record["spans"]),
        "note": note_text((record.get("meta") or {}).get(NOTE_KEY)),
        "extracted": extracted_note(record.get("meta") or {}),
        "links": {
            "page": base,
            "json": f"{base}.json",
            "api": f"/api/analyses/{aid}",
            "export_json": f"{base}/export.json",
            "labels": f"{base}/labels.txt",
            "report": f"{base}/report.html",
        },
    }


def client_data(record: dict[str, Any], spans: list[dict[str, Any]]) -> dict[str, Any]:
    """What the page script needs to explain, filter, count and review each span (embedded as
    a JSON data block): `spans` are the reviewed ones (see `unspin.review.reviewed`)."""
    out = []
    for i, s in enumerate(spans):
        t = technique_info(s["technique"])
        out.append(
            {
                "i": i,
                "key": s["key"],
                "start": s["start"],
                "end": s["end"],
                "technique": s["technique"],
                "display": t["display"],
                "definition": t["definition"],
                "tag": t["tag"],
                "index": t["index"],
                "score": s["score"],
                "text": s["text"],
                "why": [c["text"] for c in s.get("why", []) if isinstance(c, dict) and "text" in c],
                "status": s["status"],
                "reviewer": s.get("reviewer"),
                "at": s.get("at"),
                "model": s.get("model"),
                "version": s.get("version", 0),
            }
        )
    return {"id": record.get("id"), "spans": out, "characters": len(record["text"]),
            "words": record["figures"].get("words", 0)}


def html_extras(record: dict[str, Any], corrections: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Presentation-only additions for the HTML view: segments and the script's data, from
    the model's spans with the reviewer's `corrections` applied."""
    spans = review.reviewed(record["text"], record["spans"], corrections or [])
    return {
        "segments": segments(record["text"], spans),
        "data": client_data(record, spans),
        "min_score": floor_score(record),
    }


def floor_score(record: dict[str, Any]) -> float:
    """The least score an analysis kept: the threshold it ran with (recorded since issue 30),
    else its lowest span's score, floored to the slider's step."""
    threshold = (record.get("meta") or {}).get("threshold")
    if not isinstance(threshold, int | float):
        threshold = min((s["score"] for s in record["spans"]), default=0.0)
    return math.floor(float(threshold) * 100) / 100


def profile(record: dict[str, Any]) -> dict[str, float]:
    """Spans per 1,000 words for each technique found."""
    words = record["figures"].get("words") or 0
    counts = record["figures"].get("counts") or {}
    return {name: round(1000 * n / words, 2) if words else 0.0 for name, n in counts.items()}


def compare_context(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two analyses side by side, with technique profiles on one scale."""
    pa, pb = profile(a), profile(b)
    scale = max([*pa.values(), *pb.values(), 0.0]) or 1.0
    rows = []
    others = sorted((set(pa) | set(pb)) - set(taxonomy.NAMES))  # an adapted model's or a reviewer's
    for name in [*taxonomy.NAMES, *others]:
        if name in pa or name in pb:
            va, vb = pa.get(name, 0.0), pb.get(name, 0.0)
            t = technique_info(name)
            rows.append(
                {
                    "name": name,
                    "display": t["display"],
                    "color": t["color"],
                    "index": t["index"],
                    "tag": t["tag"],
                    "a": va,
                    "b": vb,
                    "a_pct": round(100 * va / scale, 1),
                    "b_pct": round(100 * vb / scale, 1),
                }
            )
    rows.sort(key=lambda r: -(r["a"] + r["b"]))
    return {
        "a": analysis_context(a),
        "b": analysis_context(b),
        "profile": rows,
        "scale": {"unit": "spans per 1,000 words", "max": scale},
    }
