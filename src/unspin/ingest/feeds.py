"""What a feed URL lists: RSS 2.0 / Atom entries (feedparser), sitemap URLs, OPML feed lists.

`parse_listing(text, url)` is pure (no network): it tells the kind of document and returns
the item pages it lists (`Item`) and the further lists it points to (`Listing.feeds`: the
feeds of an OPML file, the sitemaps of a sitemap index). A page that is none of these is
kind "page": the URL itself is its only item. A document that looks like XML but parses as
no known kind raises `FormatError`.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from unspin.errors import FormatError

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
              "text/xml", "application/x-opml+xml", "text/x-opml", "text/html", "application/xhtml+xml",
              "text/plain")
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@dataclass(frozen=True, slots=True)
class Item:
    """One article a feed lists: its page URL and what the feed says about it."""

    url: str
    title: str | None = None
    author: str | None = None
    published: str | None = None  # ISO date-time (UTC) when the feed gives one


@dataclass(frozen=True, slots=True)
class Listing:
    """A parsed feed, sitemap or OPML list."""

    kind: str  # rss, atom, sitemap, sitemapindex, opml, page
    title: str | None = None
    items: tuple[Item, ...] = ()
    feeds: tuple[str, ...] = field(default=())


def _xml_root(text: str) -> Any | None:
    """The root element when `text` is well-formed XML, else None (entities never resolved)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        return etree.fromstring(text.lstrip("\ufeff \t\r\n").encode("utf-8"), parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _iso(value: Any) -> str | None:
    if not value:
        return None
    if isinstance(value, time.struct_time):
        return datetime(*value[:6], tzinfo=UTC).isoformat()
    return str(value).strip() or None


def parse_listing(text: str, url: str) -> Listing:
    """What `text` (fetched from `url`) lists; see the module docstring."""
    root = _xml_root(text)
    name = _local(root.tag) if root is not None else ""
    if name == "opml":
        title = root.findtext("head/title")
        found = [urljoin(url, o.get("xmlUrl").strip()) for o in root.iter("outline") if o.get("xmlUrl")]
        return Listing("opml", title, feeds=tuple(dict.fromkeys(found)))
    if name == "sitemapindex":
        found = [urljoin(url, (s.findtext(f"{_SITEMAP_NS}loc") or "").strip())
                 for s in root.iter(f"{_SITEMAP_NS}sitemap")]
        return Listing("sitemapindex", feeds=tuple(dict.fromkeys(f for f in found if f != url)))
    if name == "urlset":
        return Listing("sitemap", items=tuple(_sitemap_items(root, url)))
    if (root is None or name == "html") and _looks_like_html(text):
        return Listing("page", items=(Item(url),))
    return _feed(text, url, xml=root is not None)


def _sitemap_items(root: Any, base: str) -> list[Item]:
    items: dict[str, Item] = {}
    for entry in root.iter(f"{_SITEMAP_NS}url"):
        loc = (entry.findtext(f"{_SITEMAP_NS}loc") or "").strip()
        if not loc:
            continue
        news = entry.find(f"{_NEWS_NS}news")
        title = news.findtext(f"{_NEWS_NS}title") if news is not None else None
        when = news.findtext(f"{_NEWS_NS}publication_date") if news is not None else None
        when = when or entry.findtext(f"{_SITEMAP_NS}lastmod")
        page = urljoin(base, loc)
        items.setdefault(page, Item(page, title=title, published=_iso(when)))
    return list(items.values())


def _looks_like_html(text: str) -> bool:
    from unspin.ingest.text import looks_like_html

    head = text[:2048].lstrip().lower()
    return looks_like_html(text) and not head.startswith(("<?xml", "<rss", "<feed", "<rdf"))


def _feed(text: str, url: str, *, xml: bool) -> Listing:
    import feedparser

    parsed = feedparser.parse(io.BytesIO(text.encode("utf-8")), response_headers={"content-location": url},
                              sanitize_html=True, resolve_relative_uris=True)
    version = str(parsed.get("version") or "")
    if not version or (not parsed.entries and parsed.get("bozo") and not xml):
        why = parsed.get("bozo_exception")
        raise FormatError(f"{url} is not an RSS or Atom feed, a sitemap or an OPML list"
                          + (f" ({why})." if why else "."))
    kind = "atom" if version.startswith("atom") else "rss"
    items: dict[str, Item] = {}
    for entry in parsed.entries:
        hrefs = [x.get("href") for x in entry.get("links", []) if x.get("href")]
        link = entry.get("link") or (hrefs[0] if hrefs else None)
        if not link:
            continue
        page = urljoin(url, str(link).strip())
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        items.setdefault(page, Item(page, title=entry.get("title") or None,
                                    author=entry.get("author") or None, published=_iso(when)))
    return Listing(kind, parsed.feed.get("title") or None, items=tuple(items.values()))
