"""What a feed URL lists: RSS 2.0 / Atom entries (feedparser), sitemap URLs, OPML feed lists.

`parse_listing(text, url)` is pure (no network): it tells the kind of document and returns
the item pages it lists (`Item`) and the further lists it points to (`Listing.feeds`: the
feeds of an OPML file, the sitemaps of a sitemap index). A page that is none of these is
kind "page": the URL itself is its only item. A document that looks like XML but parses as
no known kind raises `FormatError`.

Feeds are parsed within budgets: at most `MAX_FEED_BYTES`, no entity declarations (defusedxml
refuses them before feedparser, whose parsers would expand them: the billion-laughs and
quadratic blow-ups), and at most `PARSE_SECONDS` of parsing; a feed over any of them raises
`FormatError`, so one bad feed costs one error line and the others still import.
"""

from __future__ import annotations

import io
import re
import threading
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
MAX_FEED_BYTES = 5 * 1024 * 1024  # the fetcher's body limit: a feed is never longer
PARSE_SECONDS = 20.0  # a feed that takes longer to parse is given up (the parse thread is left behind)
_FIRST_ELEMENT = re.compile(rb"<\w")  # feedparser takes entity declarations from before it
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


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


def refuse_entities(data: bytes, url: str) -> None:
    """`FormatError` when the document declares entities or refers to external ones."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise FormatError(f"{url} declares XML entities ({err}); such feeds are refused "
                          "(entity expansion can blow up to gigabytes).") from err
    except (ParseError, ValueError):  # not well-formed: feedparser's loose parser reads the head only
        first = _FIRST_ELEMENT.search(data)
        if _ENTITY.search(data[:first.start() if first else len(data)]):
            raise FormatError(f"{url} declares XML entities; such feeds are refused "
                              "(entity expansion can blow up to gigabytes).") from None


def _parse_feed(data: bytes, url: str) -> Any:
    """feedparser's result for `data`, within `PARSE_SECONDS` (else `FormatError`)."""
    import feedparser

    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["parsed"] = feedparser.parse(io.BytesIO(data), response_headers={"content-location": url},
                                                 sanitize_html=True, resolve_relative_uris=True)
        except Exception as err:  # MemoryError and RecursionError too: any failure is the feed's
            outcome["error"] = err

    worker = threading.Thread(target=work, name="feed-parse", daemon=True)
    worker.start()
    worker.join(PARSE_SECONDS)
    if worker.is_alive():
        raise FormatError(f"{url} took more than {PARSE_SECONDS:g} s to parse; skipped.")
    if "error" in outcome:
        err = outcome["error"]
        raise FormatError(f"{url} could not be parsed as a feed ({type(err).__name__}: {err}).") from err
    return outcome["parsed"]


def _feed(text: str, url: str, *, xml: bool) -> Listing:
    if len(text) > MAX_FEED_BYTES:
        raise FormatError(f"{url} is {len(text):,} characters; feeds are read up to {MAX_FEED_BYTES:,}.")
    data = text.encode("utf-8")
    refuse_entities(data, url)
    parsed = _parse_feed(data, url)
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
