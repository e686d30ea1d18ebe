"""Load test for the web API: starts `unspin serve` on 127.0.0.1, measures the latency of
`POST /api/analyze` for a 1,000-word article one request at a time, then drives up to 50
concurrent clients for up to 60 s and reports p50/p95 latency, errors (must be 0; deliberate
503s are counted apart) and the server's peak memory.

    python benchmarks/load_web.py                      # tiny random model, 50 clients, 60 s
    python benchmarks/load_web.py --model PATH --clients 20 --duration 30 --out result.json

Bounded on purpose: at most 50 clients and 60 s, and only ever loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

MAX_CLIENTS = 50
MAX_SECONDS = 60.0
HOST = "127.0.0.1"
SENTENCES = [
    "The council met on Tuesday to discuss the new budget for the harbour district.",
    "Critics called the plan a shameful, disgusting betrayal of everything the town stands for.",
    "Everybody knows the radical mob behind it will never stop until they get what they want.",
    "Officials said the figures would be published next month after an independent review.",
    "You are either with the workers or against them, the union leader told the crowd.",
    "Can we really trust anything this agency says after last year's report?",
    "The mayor's office declined to comment on the accusations made at the rally.",
    "This is the worst disaster in the history of the region, one resident claimed.",
]


def article(words: int = 1000) -> str:
    """A deterministic article of about `words` words."""
    out: list[str] = []
    count = i = 0
    while count < words:
        sentence = SENTENCES[i % len(SENTENCES)]
        out.append(sentence + ("\n\n" if i % 5 == 4 else " "))
        count += len(sentence.split())
        i += 1
    return "".join(out).strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_server(model: Path, port: int, queue_size: int, workers: int, log: Any) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-c", "from unspin.cli.main import app; app()", "serve", "--host", HOST,
           "--port", str(port), "--memory",
           "--model", str(model), "--queue-size", str(queue_size), "--workers", str(workers)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)  # a file: a pipe could fill up


def wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready")


def sequential_latency(base: str, text: str, runs: int) -> dict[str, Any]:
    """p50/p95 of POST /api/analyze, one request at a time (after one warm-up request)."""
    times = []
    with httpx.Client(base_url=base, timeout=120) as client:
        client.post("/api/analyze", json={"text": text, "save": False}).raise_for_status()
        for _ in range(runs):
            began = time.perf_counter()
            client.post("/api/analyze", json={"text": text}).raise_for_status()
            times.append(time.perf_counter() - began)
    return {"runs": runs, "words": len(text.split()), "p50_ms": round(1000 * statistics.median(times), 1),
            "p95_ms": round(1000 * percentile(times, 0.95), 1)}


async def load(base: str, text: str, clients: int, seconds: float, pid: int) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    failures: list[str] = []
    peak = 0
    start = time.monotonic()
    deadline = start + seconds

    async def client_loop(client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                r = await client.post("/api/analyze", json={"text": text})
                key = str(r.status_code)
            except httpx.HTTPError as err:
                key, r = type(err).__name__, None
                if len(failures) < 10:
                    failures.append(f"{time.monotonic() - start:.1f}s {key}: {err!r}")
            statuses[key] = statuses.get(key, 0) + 1
            if key == "200":
                latencies.append(time.perf_counter() - began)
            elif r is not None and r.status_code == 503:  # deliberate: back off as told (at most 1 s)
                await asyncio.sleep(min(1.0, float(r.headers.get("retry-after", "1"))))

    async def watch_memory() -> None:
        nonlocal peak
        while time.monotonic() < deadline:
            peak = max(peak, rss_kb(pid))
            await asyncio.sleep(0.2)

    health_ms: list[float] = []

    async def probe_health() -> None:  # answered on the event loop: shows whether it stays free
        async with httpx.AsyncClient(base_url=base, timeout=60) as probe:
            while time.monotonic() < deadline:
                began = time.perf_counter()
                await probe.get("/api/health")
                health_ms.append(1000 * (time.perf_counter() - began))
                await asyncio.sleep(0.5)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        began = time.monotonic()
        await asyncio.gather(watch_memory(), probe_health(), *(client_loop(client) for _ in range(clients)))
        took = time.monotonic() - began
    errors = sum(n for k, n in statuses.items() if k not in ("200", "503"))
    return {"clients": clients, "seconds": round(took, 1), "requests": sum(statuses.values()),
            "ok": statuses.get("200", 0), "busy_503": statuses.get("503", 0), "errors": errors,
            "statuses": statuses, "failures": failures,
            "throughput_rps": round(statuses.get("200", 0) / took, 2),
            "p50_ms": round(1000 * percentile(latencies, 0.5), 1),
            "p95_ms": round(1000 * percentile(latencies, 0.95), 1),
            "health_p50_ms": round(percentile(health_ms, 0.5), 1), "health_max_ms": round(max(health_ms), 1),
            "peak_rss_mb": round(max(peak, rss_kb(pid, "VmHWM")) / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="model folder (default: a tiny random model)")
    parser.add_argument("--clients", type=int, default=MAX_CLIENTS)
    parser.add_argument("--duration", type=float, default=MAX_SECONDS, help="seconds of load")
    parser.add_argument("--words", type=int, default=1000, help="article length in words")
    parser.add_argument("--latency-runs", type=int, default=20)
    parser.add_argument("--queue-size", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    clients = max(1, min(args.clients, MAX_CLIENTS))
    seconds = max(1.0, min(args.duration, MAX_SECONDS))

    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            from unspin.testing.tiny import build_tiny_model

            model = build_tiny_model(Path(tmp) / "tiny")
        port = free_port()
        base = f"http://{HOST}:{port}"
        log_path = Path(tmp) / "server.log"
        log = log_path.open("wb")
        proc = start_server(model, port, args.queue_size, args.workers, log)
        try:
            wait_ready(base, proc, log_path)
            text = article(args.words)
            result: dict[str, Any] = {
                "model": httpx.get(base + "/api/version").json()["model"],
                "cpus": os.cpu_count(), "queue_size": args.queue_size, "workers": args.workers,
                "latency": sequential_latency(base, text, args.latency_runs),
            }
            result["load"] = asyncio.run(load(base, text, clients, seconds, proc.pid))
            if result["load"]["errors"]:
                result["server_log_tail"] = log_path.read_text(errors="replace")[-3000:].splitlines()
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 1 if result["load"]["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
