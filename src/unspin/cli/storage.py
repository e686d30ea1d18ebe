"""Storage failures (a full disk, a quota, a read-only or failing disk, a database that went
away) as one line saying what happened and what to do, instead of a traceback.

Every write of the store is one transaction, so a failure mid-run loses nothing that was
written before it and leaves nothing half-written: the same command run again resumes.
"""

from __future__ import annotations

import errno

RESUME = ("run the same command again: what was stored before is kept and the run goes on from "
          "where it stopped")
_FULL = ("database or disk is full", "no space left", "disk full", "could not extend file", "quota exceeded",
         "file too large")
_DISK = ("disk i/o error", "readonly database", "read-only file system", "unable to open database file")
_GONE = ("server closed the connection", "connection refused", "terminating connection", "connection lost",
         "could not connect", "connection is closed")
_ERRNOS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
           errno.EFBIG: "a file grew past the size allowed", errno.EROFS: "the file system is read-only",
           errno.EIO: "the disk failed to read or write"}


def storage_message(err: BaseException) -> str | None:
    """The one-line message for a storage failure, or None when `err` is something else."""
    if isinstance(err, OSError) and err.errno in _ERRNOS:
        where = f" writing {err.filename}" if err.filename else ""
        return (f"Could not write{where}: {_ERRNOS[err.errno]} ({err.strerror}). Free some space (or "
                f"raise the quota, or choose another place), then {RESUME}.")
    if not type(err).__module__.startswith("sqlalchemy"):
        return None
    orig = getattr(err, "orig", None) or err
    reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    low = reason.lower()
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if sqlstate == "53100" or any(s in low for s in _FULL):
        return (f"The database could not be written: it is full ({reason}). Free space on the disk "
                f"that holds it (or raise its quota), then {RESUME}.")
    if sqlstate.startswith("58") or any(s in low for s in _DISK):
        return (f"The database could not be written ({reason}). Check that the disk holding it has free "
                f"space and is writable, then {RESUME}.")
    if sqlstate.startswith("08") or any(s in low for s in _GONE):
        return (f"The connection to the database was lost ({reason}). Check that the server is running "
                f"and reachable, then {RESUME}.")
    return None
