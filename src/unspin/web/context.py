"""Page data built from stored analyses (plain dicts): one context per page, which the HTML
view renders and the JSON twin returns, so the two cannot drift."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from unspin import taxonomy
from unspin.ingest.normalize import NOTE_KEY, note_text
from unspin.render import cut


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
    the indexes of the spans covering it (innermost first), so overlaps lose nothing."""
    bounds = [(s["start"], s["end"]) for s in spans]
    out = []
    for a, b, covers in cut(
        len(text), bounds, order=lambda i: (spans[i]["end"] - spans[i]["start"], -spans[i]["score"], i)
    ):
        top = taxonomy.INDEX[spans[covers[0]]["technique"]] if covers else None
        out.append({"start": a, "end": b, "text": text[a:b], "spans": covers, "top": top})
    return out


def legend(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Techniques found, most spans first, with counts."""
    counts: dict[str, int] = {}
    for span in spans:
        counts[span["technique"]] = counts.get(span["technique"], 0) + 1
    rows = []
    for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], taxonomy.INDEX[kv[0]])):
        t = taxonomy.BY_NAME[name]
        rows.append(
            {
                "name": name,
                "display": t.display,
                "definition": t.definition,
                "color": t.color,
                "index": taxonomy.INDEX[name],
                "count": count,
            }
        )
    return rows


def source_of(record: dict[str, Any]) -> dict[str, Any]:
    """Where the text came from, safe to show: title, source name, and a link only if http(s)."""
    meta = record.get("meta") or {}
    return {
        "title": meta.get("title"),
        "source": meta.get("source"),
        "url": meta.get("url"),
        "link": safe_link(meta.get("url")),
    }


def analysis_context(record: dict[str, Any]) -> dict[str, Any]:
    """Context of the analysis page (and its JSON twin)."""
    aid = record["id"]
    base = f"/a/{aid}"
    return {
        "analysis": record,
        "source": source_of(record),
        "legend": legend(record["spans"]),
        "note": note_text((record.get("meta") or {}).get(NOTE_KEY)),
        "links": {
            "page": base,
            "json": f"{base}.json",
            "api": f"/api/analyses/{aid}",
            "export_json": f"{base}/export.json",
            "labels": f"{base}/labels.txt",
            "report": f"{base}/report.html",
        },
    }


def client_data(record: dict[str, Any]) -> dict[str, Any]:
    """What the page script needs to explain each span (embedded as a JSON data block)."""
    spans = []
    for i, s in enumerate(record["spans"]):
        t = taxonomy.BY_NAME[s["technique"]]
        spans.append(
            {
                "i": i,
                "technique": s["technique"],
                "display": t.display,
                "definition": t.definition,
                "color": t.color,
                "index": taxonomy.INDEX[s["technique"]],
                "score": s["score"],
                "text": s["text"],
                "why": [c["text"] for c in s.get("why", [])],
            }
        )
    return {"spans": spans}


def html_extras(record: dict[str, Any]) -> dict[str, Any]:
    """Presentation-only additions for the HTML view: segments and the script's data."""
    return {
        "segments": segments(record["text"], record["spans"]),
        "data": client_data(record),
        "min_score": min((s["score"] for s in record["spans"]), default=0.0),
    }


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
    for t in taxonomy.TECHNIQUES:
        if t.name in pa or t.name in pb:
            va, vb = pa.get(t.name, 0.0), pb.get(t.name, 0.0)
            rows.append(
                {
                    "name": t.name,
                    "display": t.display,
                    "color": t.color,
                    "index": taxonomy.INDEX[t.name],
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
