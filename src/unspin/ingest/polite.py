"""Polite fetching for feeds and their pages, through the safe fetcher (`ingest.url.fetch`).

- one request per host every `delay` seconds (or the host's robots.txt `Crawl-delay`, if longer);
- robots.txt read once per host and obeyed for the `unspin` user agent (a robots.txt that
  cannot be fetched allows everything, as crawlers usually treat a missing one);
- conditional GET: the caller passes the ETag / Last-Modified it kept, a 304 comes back as is;
- the User-Agent names unspin (`ingest.url.USER_AGENT`).

Private-network feeds (an intranet) need `allow_private_network=True`: it lets private
(RFC 1918, IPv6 unique-local), carrier-grade NAT and loopback addresses through. Link-local
addresses (cloud metadata services such as 169.254.169.254), multicast and reserved ones stay
refused, and every other protection of the safe fetcher stays on.
"""

from __future__ import annotations

import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from unspin.errors import FetchError, InputError
from unspin.ingest.url import ACCEPTED_TYPES, Fetched, fetch

PRIVATE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
                    "fc00::/7", "::1/128")
ROBOTS_AGENT = "unspin"


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
    """Fetches with a per-host delay and robots.txt; one instance per run (it keeps both)."""

    def __init__(self, settings: FetchSettings | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.settings = settings or FetchSettings()
        self._clock, self._sleep = clock, sleep
        self._last: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self.requests = 0

    def _host(self, url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme.lower()}://{parts.netloc.lower()}"

    def _wait(self, host: str, delay: float) -> None:
        last = self._last.get(host)
        if last is not None:
            remaining = last + delay - self._clock()
            if remaining > 0:
                self._sleep(remaining)
        self._last[host] = self._clock()

    def _robots_for(self, host: str) -> urllib.robotparser.RobotFileParser:
        if host not in self._robots:
            parser = urllib.robotparser.RobotFileParser(f"{host}/robots.txt")
            self._wait(host, self.settings.delay)
            self.requests += 1
            try:
                page = fetch(f"{host}/robots.txt", timeout=self.settings.timeout,
                             allow_networks=self.settings.networks, accept=("text/plain", "text/html"))
                parser.parse(page.text.splitlines())
            except FetchError:
                parser.parse([])  # none, or unreachable: everything allowed
            self._robots[host] = parser
        return self._robots[host]

    def get(self, url: str, *, accept: tuple[str, ...] = ACCEPTED_TYPES,
            headers: dict[str, str] | None = None) -> Fetched:
        """Fetch `url` politely; raise `FetchError` when refused, failed or disallowed by robots.txt."""
        host = self._host(url)
        delay = self.settings.delay
        if self.settings.respect_robots:
            robots = self._robots_for(host)
            if not robots.can_fetch(ROBOTS_AGENT, url):
                raise FetchError(f"{url}: the site's robots.txt does not allow unspin to fetch it.",
                                 status=403)
            crawl = robots.crawl_delay(ROBOTS_AGENT)
            delay = max(delay, float(crawl or 0))
        self._wait(host, delay)
        self.requests += 1
        return fetch(url, timeout=self.settings.timeout, allow_networks=self.settings.networks,
                     headers=headers, accept=accept)
