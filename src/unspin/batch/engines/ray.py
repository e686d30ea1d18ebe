"""The Ray engine: a pool of Ray actors, created once per run, each loading the model once.

The driver streams documents (from the store, a page at a time) to the actors in small tasks,
keeping at most two tasks in flight per actor, so memory stays flat whatever the corpus size,
and yields each analysis as it comes back; `run_batch` writes them to the store (or Parquet).
Each actor asks Ray for `threads` CPUs and runs the model with that many threads, so a big node
runs one actor per `threads` CPUs instead of oversubscribing them.

`connect` joins a cluster (`HOST:PORT` of a `ray start --head`, `auto`, or a `ray://HOST:10001`
client URL) or starts a local Ray, and fails with one `RayClusterError` line when the cluster
cannot be reached or refuses this driver's token. Joining a cluster with a token available
here turns token authentication on for this driver (see `ray_auth`). A run kills its actors
and, when it started or joined Ray itself, disconnects at the end. Ray is imported here only.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import socket
import sys
import tempfile
from collections.abc import Iterator
from itertools import count, islice
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from unspin.batch.engines import ray_auth
from unspin.doc import Analysis, Cue, Document, Span
from unspin.errors import InputError

if TYPE_CHECKING:
    from unspin.batch.run import BatchSettings

TASK_SIZE = 8  # documents per actor call
IN_FLIGHT = 2  # calls queued per actor
CONNECT_TIMEOUT = 5.0
# Ray Data's detached helper actors (older unspin versions ran on Ray Data); removed after a run.
DATA_HELPERS = ("_dataset_stats_actor", "_dataset_stats_summary_actor", "AutoscalingRequester",
                "AutoscalingCoordinator", "ActorLocationTracker", "DataUsageCollectionActor")


class RayClusterError(InputError):
    """The Ray cluster cannot be reached, or refused this driver."""


def encode_spans(analysis: Analysis) -> str:
    """Spans as compact JSON: [[start, end, technique, score, [[start, end, weight], ...]], ...]."""
    return json.dumps([[s.start, s.end, s.technique, round(s.score, 6),
                        [[c.start, c.end, round(c.weight, 6)] for c in s.why]] for s in analysis.spans])


def decode_spans(doc: Document, data: str, model: str) -> Analysis:
    spans = tuple(Span(doc, a, b, t, score, tuple(Cue(cs, ce, w) for cs, ce, w in why))
                  for a, b, t, score, why in json.loads(data))
    return Analysis(doc, spans, model)


def load_with_threads(model_path: str, threads: int) -> Any:
    """`unspin.load` with the model's thread pools sized to `threads` (the actor's CPU share)."""
    import unspin

    return unspin.load(model_path, threads=max(1, int(threads)))


class AnalyzeActor:
    """One Ray actor: loads the model once, then analyzes lists of (id, text)."""

    def __init__(self, model_path: str, window_batch: int = 16, threads: int = 1):
        self.analyzer = load_with_threads(model_path, threads)
        self.window_batch = window_batch
        self.threads = threads

    def ready(self) -> str:
        return str(self.analyzer.name)

    def analyze(self, items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        docs = [Document(text, id=doc_id) for doc_id, text in items]
        found = self.analyzer.pipe(docs, batch_size=self.window_batch)
        return [(str(a.doc.id), encode_spans(a)) for a in found]


def _check_reachable(address: str) -> None:
    """A TCP connect to HOST:PORT (or the ray:// client port) first, so a wrong address fails fast."""
    target = address.split("://", 1)[1] if "://" in address else address
    try:
        parts = urlsplit(f"//{target}")
        host, port = parts.hostname, parts.port
    except ValueError as err:
        raise RayClusterError(f"--address {address!r} is not HOST:PORT, auto or ray://HOST:PORT.") from err
    if not host or not port:
        raise RayClusterError(f"--address {address!r} is not HOST:PORT, auto or ray://HOST:PORT.")
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as err:
        why = err.strerror or type(err).__name__
        raise RayClusterError(f"Cannot reach the Ray cluster at {address} ({why}): start it with "
                              f"`ray start --head --port {port}`, or check the address.") from err


def connect(address: str | None, num_cpus: int | None) -> tuple[Any, bool, ray_auth.DriverAuth | None]:
    """(ray, whether this call connected, the token mode it set): join `address`, or start a local
    Ray with `num_cpus`. Pass the result to `disconnect` when the run ends."""
    import ray

    if ray.is_initialized():
        return ray, False, None
    options: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING,
                               "log_to_driver": False, "configure_logging": True}
    if not address:
        ray.init(num_cpus=num_cpus or os.cpu_count(), **options)
        return ray, True, None
    if address != "auto":
        _check_reachable(address)
    if address.startswith("ray://"):
        options = {"logging_level": logging.WARNING}
    try:
        auth = ray_auth.enable()
    except ray_auth.TokenPathError as err:
        raise RayClusterError(str(err)) from err
    _reload_auth(ray, auth)
    failure: BaseException | None = None
    with _held_stderr() as held:  # Ray's C++ client logs each of its retries (20 s of them)
        try:
            ray.init(address=address, **options)
        except (ConnectionError, RuntimeError, TimeoutError, ValueError, ray.exceptions.RayError) as err:
            failure = err
    if failure is None:
        sys.stderr.write(held.getvalue())  # connected: let Ray's own messages through
        return ray, True, auth
    ray_auth.restore(auth)
    _reload_auth(ray, auth)
    if _refused(ray, failure):
        raise RayClusterError(ray_auth.refusal(address, auth)) from failure
    why = _first_line(failure)
    raise RayClusterError(f"Cannot connect to the Ray cluster at {address}: {why}") from failure


def disconnect(ray: Any, auth: ray_auth.DriverAuth | None) -> None:
    """Remove Ray Data's helper actors, leave Ray, and undo the token mode `connect` set."""
    try:
        remove_data_helpers(ray)
        ray.shutdown()
    finally:
        if auth is not None:
            ray_auth.restore(auth)
            _reload_auth(ray, auth)


def _reload_auth(ray: Any, auth: ray_auth.DriverAuth) -> None:
    """Make Ray's C++ side read RAY_AUTH_MODE and the token again (as Ray does when it turns
    token mode on itself), after `ray_auth` changed RAY_AUTH_MODE."""
    if not auth.enabled:
        return
    raylet = ray._raylet
    raylet.Config.initialize("")
    raylet.AuthenticationTokenLoader.instance().reset_cache()


@contextlib.contextmanager
def _held_stderr() -> Iterator[io.StringIO]:
    """Hold what is written to file descriptor 2 (Python and C++ alike) until the block ends."""
    held = io.StringIO()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield held
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            held.write(sink.read().decode("utf-8", "replace"))


def _refused(ray: Any, err: BaseException | None) -> bool:
    """Whether `err` comes from a token refusal (ray.init wraps the AuthenticationError in a
    RuntimeError's text, inside a ConnectionError)."""
    seen = 0
    while err is not None and seen < 10:
        text = str(getattr(err, "message", "") or err)
        if isinstance(err, ray.exceptions.AuthenticationError) or "InvalidAuthToken" in text:
            return True
        err, seen = err.__cause__ or err.__context__, seen + 1
    return False


def _first_line(err: BaseException) -> str:
    text = str(getattr(err, "message", "") or err).strip()
    return text.splitlines()[0][:300] if text else type(err).__name__


def _last_line(err: BaseException) -> str:
    """The last line of a Ray task error: the remote exception, without its traceback."""
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else type(err).__name__


def remove_data_helpers(ray: Any) -> int:
    """Kill Ray Data's detached helper actors left on the cluster; returns how many."""
    killed = 0
    try:
        named = ray.util.list_named_actors(all_namespaces=True)
    except Exception:  # cleanup is best effort (e.g. a Ray Client without this API)
        return 0
    for entry in named:
        if entry.get("namespace") in DATA_HELPERS:
            with contextlib.suppress(Exception):  # already gone
                ray.kill(ray.get_actor(entry["name"], namespace=entry["namespace"]), no_restart=True)
                killed += 1
    return killed


def analyze_ray(docs: Iterator[Document], *, model_path: str, model: str,
                settings: BatchSettings) -> Iterator[Analysis]:
    """Analyses of `docs` computed on Ray, in the order the actors finish them."""
    threads = max(1, int(settings.ray_options.get("threads", 1)))
    task_size = max(1, int(settings.ray_options.get("task_size", TASK_SIZE)))
    ray, connected, auth = connect(settings.address, settings.actors)
    pool: list[Any] = []
    try:
        cpus = float(ray.cluster_resources().get("CPU", 1))
        actors = settings.actors or max(1, int(cpus // threads))
        if actors * threads > cpus:
            raise RayClusterError(f"{actors} actors × {threads} threads need {actors * threads} CPUs; the "
                                  f"cluster has {cpus:g}. Ask for fewer --actors or --threads.")
        remote = ray.remote(num_cpus=threads)(AnalyzeActor)
        pool = [remote.remote(str(model_path), settings.window_batch, threads) for _ in range(actors)]
        try:  # every actor has its model before work is sent
            ray.get([a.ready.remote() for a in pool])
        except ray.exceptions.RayError as err:
            raise RayClusterError(f"The Ray actors could not load the model {model_path}: {_last_line(err)}. "
                                  "Install unspin, and the model at this path, on every node.") from err
        yield from _stream(ray, pool, docs, task_size, model)
    finally:
        for actor in pool:
            ray.kill(actor)
        if connected:
            disconnect(ray, auth)


def _stream(ray: Any, pool: list[Any], docs: Iterator[Document], task_size: int,
            model: str) -> Iterator[Analysis]:
    """Keep IN_FLIGHT tasks per actor queued; yield results as tasks finish."""
    pending: dict[Any, tuple[Any, dict[str, Document]]] = {}
    free = [actor for actor in pool for _ in range(IN_FLIGHT)]
    keys = count()  # documents are sent under running keys (ids may be missing or repeated)
    exhausted = False
    while True:
        while free and not exhausted:
            chunk = {str(next(keys)): d for d in islice(docs, task_size)}
            if not chunk:
                exhausted = True
                break
            actor = free.pop()
            ref = actor.analyze.remote([(i, d.text) for i, d in chunk.items()])
            pending[ref] = (actor, chunk)
        if not pending:
            return
        done, _ = ray.wait(list(pending), num_returns=1)
        actor, chunk = pending.pop(done[0])
        free.append(actor)
        for doc_id, data in ray.get(done[0]):
            yield decode_spans(chunk[doc_id], data, model)
