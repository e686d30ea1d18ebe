"""Token authentication for a driver that joins a Ray cluster (Ray 2.60).

`ray start --head` turns token authentication on by itself when a token exists where it runs
(`RAY_AUTH_TOKEN`, a file named by `RAY_AUTH_TOKEN_PATH`, or `~/.ray/auth_token`), but a driver
given an explicit address sends no token unless `RAY_AUTH_MODE=token` is set in its
environment. So when a token is available here and `RAY_AUTH_MODE` is unset, `enable` sets
`RAY_AUTH_MODE=token` in this process (the driver) for the connection, and `restore` removes it
after the run. A driver with token mode on also joins a cluster that has no authentication.
Nothing here reads or prints the token itself: only where it would come from.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

MODE, TOKEN, TOKEN_PATH = "RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"
GET_TOKEN = ("Run `ray get-auth-token` on the head node and set RAY_AUTH_TOKEN to it here, or put it "
             "in ~/.ray/auth_token of the user running unspin (see docs/corpus.md).")


class TokenPathError(ValueError):
    """RAY_AUTH_TOKEN_PATH names a file that cannot be read or is empty."""


@dataclass(frozen=True)
class DriverAuth:
    """This driver's token authentication: the token's `source` (None without one), the user's
    own `RAY_AUTH_MODE` (None when unset), and whether `enable` turned token mode on."""

    source: str | None
    mode: str | None
    enabled: bool


def default_token_file(environ: Mapping[str, str] | None = None) -> Path:
    """Ray's default token file: ~/.ray/auth_token of this process's HOME."""
    env = os.environ if environ is None else environ
    home = env.get("HOME")
    return (Path(home) if home else Path.home()) / ".ray" / "auth_token"


def _readable(path: Path) -> bool:
    try:
        return path.is_file() and os.access(path, os.R_OK) and path.stat().st_size > 0
    except OSError:
        return False


def token_source(environ: Mapping[str, str] | None = None) -> str | None:
    """Where Ray takes this driver's token from, in Ray's order (a non-empty RAY_AUTH_TOKEN, then
    RAY_AUTH_TOKEN_PATH, then ~/.ray/auth_token), or None when no token is available."""
    env = os.environ if environ is None else environ
    if env.get(TOKEN, "").strip():
        return TOKEN
    if env.get(TOKEN_PATH):
        path = Path(env[TOKEN_PATH]).expanduser()
        if not _readable(path):
            raise TokenPathError(f"{TOKEN_PATH} is set to {path}, which cannot be read or is empty: point it "
                                 "at a file holding the cluster's token, or unset it.")
        return f"{TOKEN_PATH} ({path})"
    default = default_token_file(env)
    return str(default) if _readable(default) else None


def enable() -> DriverAuth:
    """Turn token mode on for this driver when a token is available and RAY_AUTH_MODE is unset
    (an explicit RAY_AUTH_MODE is left as it is); call `restore` with the result afterwards."""
    mode = os.environ.get(MODE)
    source = token_source() if mode is None or mode.lower() == "token" else None
    if mode is None and source is not None:
        os.environ[MODE] = "token"
        return DriverAuth(source, None, True)
    return DriverAuth(source, mode, False)


def restore(auth: DriverAuth) -> None:
    """Undo `enable`: RAY_AUTH_MODE is unset again when this driver set it."""
    if auth.enabled and os.environ.get(MODE) == "token":
        del os.environ[MODE]


def _why_not(path: Path) -> str:
    """Why the token file at `path` gives no token: missing, unreadable for this user, or empty."""
    try:
        if not path.exists():
            return f"{path} does not exist"
    except OSError:  # a folder on the way this user may not enter
        return f"{path} cannot be read by this user"
    return f"{path} cannot be read by this user" if not os.access(path, os.R_OK) else f"{path} is empty"


def refusal(address: str, auth: DriverAuth) -> str:
    """The one-line error for a cluster that refused this driver's token (or its lack of one)."""
    if auth.mode is not None and auth.mode.lower() != "token":
        return (f"The Ray cluster at {address} refused this driver: it uses token authentication, and "
                f"{MODE}={auth.mode} here sends no token. Unset {MODE} (unspin then sends the token it "
                "finds here), or: " + GET_TOKEN)
    if auth.source is None:
        return (f"The Ray cluster at {address} refused this driver (InvalidAuthToken): it uses token "
                f"authentication and this driver has no token ({TOKEN} and {TOKEN_PATH} are unset, "
                f"{_why_not(default_token_file())}). " + GET_TOKEN)
    return (f"The Ray cluster at {address} refused this driver's token (InvalidAuthToken: the token from "
            f"{auth.source} is not the cluster's). " + GET_TOKEN)
