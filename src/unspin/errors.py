"""Named errors: each says what was expected, what was found, and how to fix it."""

from __future__ import annotations


class UnspinError(Exception):
    """Base class of every error unspin raises on purpose."""


class InputError(UnspinError, ValueError):
    """The text or file given cannot be analyzed (empty, binary, too large, missing)."""


class FormatError(UnspinError, ValueError):
    """A label or article file does not follow the PTC format."""


class ModelNotFoundError(UnspinError, FileNotFoundError):
    """Model weights are missing or do not match their expected digest."""


class UnknownTechniqueError(UnspinError, KeyError):
    """A technique name that is not one of the 14 PTC techniques."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class FetchError(InputError):
    """A URL could not be fetched safely: refused address, bad scheme, too big, too slow.

    `status` is the HTTP status the web API answers with (400 refused, 502/504 upstream);
    `upstream` the status the fetched server answered, when it answered one (404, 503...)."""

    def __init__(self, message: str, *, status: int = 400, upstream: int | None = None):
        super().__init__(message)
        self.status = status
        self.upstream = upstream


class FetchInterrupted(FetchError):
    """A fetch (or the wait before it) was cut short because the run is stopping (SIGINT, SIGTERM)."""


class StoreError(UnspinError):
    """The database cannot be opened or used: unreachable server, wrong name, missing folder."""


class NotFoundError(UnspinError, LookupError):
    """What a request names is gone (for instance deleted while the request ran): HTTP 404."""

    status = 404


class ConflictError(UnspinError):
    """Another change to the same thing came first; reload and try again: HTTP 409."""

    status = 409


class StaleError(ConflictError):
    """A change was based on a version that is no longer current (optimistic versioning): HTTP 409.
    `key` names what changed meanwhile (a span's key), when known."""

    def __init__(self, message: str, *, key: str | None = None):
        super().__init__(message)
        self.key = key
