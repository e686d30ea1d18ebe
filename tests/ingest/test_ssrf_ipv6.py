"""IPv6 addresses that carry an IPv4 address are judged by the IPv4 rules, before any
connection: 6to4, Teredo, NAT64, IPv4-mapped and IPv4-compatible forms."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from unspin.errors import FetchError
from unspin.ingest.url import embedded_ipv4, fetch, refusal

FORMS = [
    ("2002:7f00:1::", "127.0.0.1", "loopback"),  # 6to4
    ("2002:c0a8:101::1", "192.168.1.1", "private"),  # 6to4
    ("2002:a9fe:a9fe::", "169.254.169.254", "link-local"),  # 6to4 of the cloud metadata address
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1", "loopback"),  # Teredo client (obfuscated)
    ("2001:0:a00:1::", "10.0.0.1", "private"),  # Teredo server
    ("64:ff9b::7f00:1", "127.0.0.1", "loopback"),  # NAT64
    ("64:ff9b::a00:1", "10.0.0.1", "private"),  # NAT64
    ("64:ff9b:1::a9fe:a9fe", "169.254.169.254", "link-local"),  # local-use NAT64
    ("::ffff:127.0.0.1", "127.0.0.1", "loopback"),  # IPv4-mapped
    ("::ffff:10.0.0.1", "10.0.0.1", "private"),  # IPv4-mapped
    ("::127.0.0.1", "127.0.0.1", "loopback"),  # IPv4-compatible
    ("::a9fe:a9fe", "169.254.169.254", "link-local"),  # IPv4-compatible
]


@pytest.mark.parametrize("address,inner,why", FORMS)
def test_embedded_ipv4_is_judged_by_ipv4_rules(address: str, inner: str, why: str) -> None:
    ip = ipaddress.IPv6Address(address)
    assert ipaddress.IPv4Address(inner) in embedded_ipv4(ip)
    assert str(refusal(ip)).startswith(why)


@pytest.mark.parametrize("address,inner,why", FORMS)
def test_refused_before_connecting(address: str, inner: str, why: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    tried: list[object] = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: tried.append(a))
    with pytest.raises(FetchError, match=f"it is a {why}") as err:
        fetch(f"http://[{address}]/")
    assert err.value.status == 400 and tried == []
    with pytest.raises(FetchError, match=inner.replace(".", r"\.")):  # also behind a DNS name
        fetch("http://news.example.org/", resolve=lambda host, port: [address])
    assert tried == []


def test_public_ipv6_and_embedded_public_ipv4_pass() -> None:
    assert refusal(ipaddress.ip_address("2606:4700:4700::1111")) is None
    assert embedded_ipv4(ipaddress.IPv6Address("2002:808:808::1")) == [ipaddress.IPv4Address("8.8.8.8")]
    assert embedded_ipv4(ipaddress.IPv6Address("::1")) == []
    assert refusal(ipaddress.ip_address("::1")) == "loopback"
