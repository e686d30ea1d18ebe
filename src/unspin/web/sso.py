"""Single sign-on through an authenticating reverse proxy (oauth2-proxy and the like): with
`trusted_user_header` set, a request that comes from one of `trusted_proxies` and carries that
header is the named user, created on first sight with the role `sso_roles` maps the name to
(`NAME=ROLE`; `*=ROLE` sets the default, else reader). The header is ignored from any other
peer address, so a client that reaches the server directly cannot claim a name."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from unspin.errors import InputError

if TYPE_CHECKING:
    from unspin.web.settings import WebSettings

log = logging.getLogger("unspin.web")
DEFAULT_ROLE = "reader"
ACTOR = "sso"


@dataclass(frozen=True, slots=True)
class TrustedHeader:
    """Who may vouch for a user (`networks`), in which `header`, and the roles names get."""

    header: str  # lowercase
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    roles: dict[str, str]
    default_role: str = DEFAULT_ROLE

    def trusts(self, address: str | None) -> bool:
        """Whether `address` (the TCP peer) is one of the trusted proxies."""
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def claimed(self, scope: dict[str, Any], headers: dict[str, str]) -> str | None:
        """The user name the proxy vouches for, or None (no header, or not from a trusted proxy)."""
        value = headers.get(self.header)
        if value is None or not value.strip():
            return None
        peer = (scope.get("client") or (None,))[0]
        if not self.trusts(peer):
            log.warning("Ignored %s from %s: not a trusted proxy.", self.header, peer)
            return None
        return value.strip()

    def role_of(self, name: str) -> str | None:
        """The role the settings give `name`, or None when they name it not."""
        return self.roles.get(name)

    def user(self, store: Any, claimed: str) -> dict[str, Any] | None:
        """The user for a vouched-for name: made on first sight (mapped role, else the default);
        an existing user the mapping names gets that role. None when the name is not valid."""
        from unspin.store.users import check_name

        try:
            name = check_name(claimed)
        except InputError:
            log.warning("Ignored %s: %r is not a valid user name.", self.header, claimed[:100])
            return None
        mapped = self.role_of(name)
        found = store.get_user(name)
        if found is None:
            role = mapped or self.default_role
            try:
                found = store.add_user(name, role)
            except InputError:  # made by a concurrent request
                found = store.get_user(name)
            else:
                store.log_action(ACTOR, "user-add", name, {"role": role, "via": "sso"})
        elif mapped and found["role"] != mapped:
            try:
                store.set_role(name, mapped)
            except InputError as err:  # the last admin keeps its role
                log.warning("SSO role of %s not changed: %s", name, err)
            else:
                store.log_action(ACTOR, "user-role", name, {"role": mapped, "via": "sso"})
                found = {**found, "role": mapped}
        return found

    async def identify(self, scope: dict[str, Any], headers: dict[str, str],
                       store: Any) -> dict[str, Any] | None:
        """The user a trusted proxy vouches for in this request, or None."""
        claimed = self.claimed(scope, headers)
        if claimed is None:
            return None
        return await anyio.to_thread.run_sync(self.user, store, claimed)


def from_settings(settings: WebSettings) -> TrustedHeader | None:
    """The SSO configuration of `settings`, or None when `trusted_user_header` is not set."""
    if not settings.trusted_user_header:
        return None
    roles = dict(role_pairs(settings.sso_roles))
    networks = tuple(ipaddress.ip_network(p, strict=False) for p in settings.trusted_proxies)
    return TrustedHeader(header=settings.trusted_user_header.lower(), networks=networks,
                         roles={k: v for k, v in roles.items() if k != "*"},
                         default_role=roles.get("*", DEFAULT_ROLE))


def role_pairs(entries: tuple[str, ...]) -> list[tuple[str, str]]:
    """`NAME=ROLE` entries as (lowercase name, role) pairs; InputError names a bad one."""
    from unspin.web.auth import RANK

    pairs = []
    for entry in entries:
        name, sep, role = entry.partition("=")
        name, role = name.strip().lower(), role.strip().lower()
        if not sep or not name or role not in RANK:
            raise InputError(f"sso_roles: {entry[:100]!r} is not NAME=ROLE with a role of admin, reviewer "
                             "or reader (`*=ROLE` sets the default).")
        pairs.append((name, role))
    return pairs
