"""Polite fetching for feeds and their pages, through the safe fetcher (`ingest.url.fetch`).

- one request per host every `delay` seconds (or the host's robots.txt `Crawl-delay`, if longer,
  capped at `MAX_CRAWL_DELAY` = 60 s; a cap applied is reported through `notes` / `warn`);
- robots.txt read per host (kept a day; an unreachable one is asked again after
  `ROBOTS_RETRY` seconds) and obeyed for the `unspin` user agent, as RFC 9309 says: a 4xx
  answer allows everything, a 5xx answer or an unreachable server disallows everything, and
  only the first `ROBOTS_MAX_BYTES` (500 KiB) are parsed;
- every wait and fetch ends within a tenth of a second once `stop` is set (`FetchInterrupted`);
- conditional GET: the caller passes the ETag / Last-Modified it kept, a 304 comes back as is;
- the User-Agent names unspin (`ingest.url.USER_AGENT`).

Private-network feeds (an intranet) need `allow_private_network=True`: it lets private
(RFC 1918, IPv6 unique-local), carrier-grade NAT and loopback addresses through. Link-local
addresses (cloud metadata services such as 169.254.169.254), multicast and reserved ones stay
refused, and every other protection of the safe fetcher stays on.
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from unspin.errors import FetchError, FetchInterrupted, InputError
from unspin.ingest.url import ACCEPTED_TYPES, Fetched, fetch

PRIVATE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
                    "fc00::/7", "::1/128")
ROBOTS_AGENT = "unspin"
MAX_CRAWL_DELAY = 60.0  # seconds: a longer robots.txt Crawl-delay is cut to this (and reported)
ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309: parse at least 500 KiB; the rest is ignored
ROBOTS_KEEP = 86400.0  # seconds a fetched robots.txt is kept (RFC 9309: at most a day)
ROBOTS_RETRY = 300.0  # seconds before an unreachable robots.txt (everything disallowed) is asked again


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How feeds and pages are fetched."""

    delay: float = 1.0  # seconds between two requests to one host
    timeout: float = 10.0  # per request, redirects included
    allow_private_network: bool = False
    respect_robots: bool = True

    def __post_init__(self) -> None:
        if self.delay < 0 or self.timeout <= 0:
            raise InputError("--delay must be 0 or more and --timeout more than 0 seconds.")

    @property
    def networks(self) -> tuple[str, ...]:
        return PRIVATE_NETWORKS if self.allow_private_network else ()


class PoliteFetcher:
    """Fetches with a per-host delay and robots.txt; one instance per run or watch (it keeps both).

    `stop` (an Event) ends any wait or fetch with `FetchInterrupted`; `warn` is told of what the
    fetcher changed on its own (a capped Crawl-delay), which `notes` keeps too."""

    def __init__(self, settings: FetchSettings | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] | None = None,
                 stop: threading.Event | None = None, warn: Callable[[str], None] | None = None):
        self.settings = settings or FetchSettings()
        self._clock, self._sleep = clock, sleep
        self.stop = stop or threading.Event()
        self.warn = warn
        self.notes: list[str] = []
        self._last: dict[str, float] = {}
        self._robots: dict[str, tuple[float, urllib.robotparser.RobotFileParser]] = {}
        self._capped: set[str] = set()
        self.requests = 0

    def _host(self, url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme.lower()}://{parts.netloc.lower()}"

    def _interrupted(self, url: str) -> FetchInterrupted:
        return FetchInterrupted(f"Fetching {url} was interrupted.", status=499)

    def _wait(self, host: str, delay: float) -> None:
        last = self._last.get(host)
        if last is not None:
            remaining = last + delay - self._clock()
            if remaining > 0:
                if self._sleep is not None:
                    self._sleep(remaining)
                elif self.stop.wait(remaining):
                    raise self._interrupted(host)
        if self.stop.is_set():
            raise self._interrupted(host)
        self._last[host] = self._clock()

    def _note(self, message: str) -> None:
        self.notes.append(message)
        if self.warn is not None:
            self.warn(message)

    def _fetch(self, url: str, **options: object) -> Fetched:
        self.requests += 1
        return fetch(url, timeout=self.settings.timeout, allow_networks=self.settings.networks,
                     cancel=self.stop, **options)  # type: ignore[arg-type]

    def _robots_for(self, host: str) -> urllib.robotparser.RobotFileParser:
        kept = self._robots.get(host)
        if kept is not None and self._clock() < kept[0]:
            return kept[1]
        parser = urllib.robotparser.RobotFileParser(f"{host}/robots.txt")
        self._wait(host, self.settings.delay)
        keep = ROBOTS_KEEP
        try:
            page = self._fetch(f"{host}/robots.txt", accept=("text/plain", "text/html"),
                               max_bytes=ROBOTS_MAX_BYTES, truncate=True, max_redirects=5)
            parser.parse(page.text.splitlines())
        except FetchError as err:
            if isinstance(err, FetchInterrupted) or err.status == 400:
                raise  # stopping, or a refused address: the page itself would be refused alike
            if robots_allow(err):
                parser.parse([])  # none (4xx), or nothing readable in it: everything allowed
            else:  # 5xx or unreachable: everything disallowed until asked again
                parser.parse([])
                parser.disallow_all = True
                keep = ROBOTS_RETRY
                self._note(f"{host}/robots.txt is unreachable ({err}); nothing is fetched from "
                           f"{host} for {ROBOTS_RETRY:.0f} s (RFC 9309).")
        self._robots[host] = (self._clock() + keep, parser)
        return parser

    def crawl_delay(self, host: str, robots: urllib.robotparser.RobotFileParser) -> float:
        """The host's Crawl-delay for unspin, capped at `MAX_CRAWL_DELAY` (reported once per host)."""
        try:
            crawl = float(robots.crawl_delay(ROBOTS_AGENT) or 0)
        except (TypeError, ValueError):
            return 0.0
        if crawl > MAX_CRAWL_DELAY:
            if host not in self._capped:
                self._capped.add(host)
                self._note(f"{host}/robots.txt asks for a Crawl-delay of {crawl:g} s; "
                           f"waiting {MAX_CRAWL_DELAY:g} s instead.")
            return MAX_CRAWL_DELAY
        return max(crawl, 0.0)

    def get(self, url: str, *, accept: tuple[str, ...] = ACCEPTED_TYPES,
            headers: dict[str, str] | None = None) -> Fetched:
        """Fetch `url` politely; raise `FetchError` when refused, failed or disallowed by robots.txt."""
        host = self._host(url)
        delay = self.settings.delay
        if self.settings.respect_robots:
            robots = self._robots_for(host)
            if robots.disallow_all:
                raise FetchError(f"{url}: the site's robots.txt is unreachable, so nothing is fetched "
                                 "from it for now (RFC 9309).", status=403)
            if not robots.can_fetch(ROBOTS_AGENT, url):
                raise FetchError(f"{url}: the site's robots.txt does not allow unspin to fetch it.",
                                 status=403)
            delay = max(delay, self.crawl_delay(host, robots))
        self._wait(host, delay)
        return self._fetch(url, headers=headers, accept=accept)


def robots_allow(err: FetchError) -> bool:
    """Whether a robots.txt that failed this way allows everything (RFC 9309 section 2.3.1):
    a 4xx answer, an empty page or one of another type; 5xx and unreachable disallow."""
    if err.upstream is not None:
        return 400 <= err.upstream < 500
    return err.status in (415, 422)
