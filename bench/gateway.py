"""`python -m bench --gateway`: the gateway's own costs, on a real `sealq api` process.

1. Upload + create: one file of N requests (50,000 by default, OpenAI's largest batch) sent
   with the `openai` SDK, then `batches.create` on it. Lines per second for each step, and the
   gateway's peak resident memory while it streams (sampled every 50 ms), to show that memory
   stays bounded whatever the file's size.
2. Read latency: `GET /v1/batches/{id}` at a fixed rate (200/s by default) for a while, from
   16 kept-alive connections, each request's latency counted from its scheduled send time,
   so a slow gateway cannot hide behind a waiting client.

No worker runs: the batch stays queued, which is the state tenants poll most. The load
generator shares the machine's cores with the gateway, so the figures are an upper bound of
what the gateway alone costs.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import openai
import psutil

from bench.backend import TENANT, Backend
from producer.embedded import free_port
from producer.tenants import Role, TenantDirectory
from schemas.db import make_engine

START_SECONDS = 120
RSS_EVERY_SECONDS = 0.05
# Connections the reads are spread over: each sends on its own schedule (a plain blocking
# client: an asyncio one spends more CPU per request than the gateway does on this machine).
READ_THREADS = 16


def request_file(lines: int, prompt_bytes: int) -> bytes:
    """A batch input file of `lines` requests with prompts of about `prompt_bytes` each."""
    filler = ("Revenue rose 8% to EUR 120 million; costs were EUR 80 million. "
              * (prompt_bytes // 64 + 1))[:prompt_bytes]
    return b"".join(
        (json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
                     "body": {"max_tokens": 64, "messages": [
                         {"role": "user", "content": f"Report {i}: {filler}"}]}})
         + "\n").encode() for i in range(lines))


class PeakRss:
    """The largest resident set of a process (and its children), sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)
        self.peak = 0
        self.baseline = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        return int(self._process.memory_info().rss)

    def _run(self) -> None:
        while not self._stop.wait(RSS_EVERY_SECONDS):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> PeakRss:
        self.peak = self.baseline
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def start_gateway(backend: Backend, workdir: Path, port: int) -> subprocess.Popen[bytes]:
    """`sealq api` as its own process on the bench backend; waits until it is ready."""
    log = (workdir / "api.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "producer", "api", "--port", str(port)],
        env={**os.environ, **backend.env, "SEALQ_LOG_LEVEL": "WARNING"},
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the gateway did not start; see {workdir / 'api.log'}")
        time.sleep(0.2)


def issue_key(backend: Backend) -> str:
    """A submitter key of the bench's tenant (whose rate limit the backend set very high)."""
    engine = make_engine(backend.settings.database_url, pool_size=1)
    try:
        return TenantDirectory(engine).issue_key(TENANT, role=Role.SUBMITTER,
                                                 now=datetime.now(UTC))[1]
    finally:
        engine.dispose()


def _fixed_rate(port: int, path: str, key: str, *, rate: float, seconds: float,
                threads: int = READ_THREADS) -> list[float]:
    """GETs at `rate` per second from `threads` kept-alive connections, each latency counted
    from its scheduled send time (so a late answer also delays, and counts against, the
    requests behind it: no coordinated omission)."""
    total = int(rate * seconds)
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def send(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        for n in range(offset, total, threads):
            at = start + n / rate
            delay = at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            connection.request("GET", path, headers={"Authorization": f"Bearer {key}"})
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                with lock:
                    failures.append(answer.status)
            mine.append(time.perf_counter() - at)
        connection.close()
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=send, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise RuntimeError(f"{len(failures)} of {total} reads failed: {sorted(set(failures))}")
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def measure_gateway(backend: Backend, workdir: Path, *, lines: int, prompt_bytes: int,
                    rate: float, seconds: float) -> dict[str, Any]:
    """Upload + create of one big file, then fixed-rate reads of the batch."""
    workdir.mkdir(parents=True, exist_ok=True)
    data = request_file(lines, prompt_bytes)
    port = free_port()
    process = start_gateway(backend, workdir, port)
    try:
        key = issue_key(backend)
        sdk = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=key,
                            max_retries=0, timeout=3600)
        with PeakRss(process.pid) as rss:
            started = time.perf_counter()
            upload = sdk.files.create(file=("bench.jsonl", data), purpose="batch")
            uploaded = time.perf_counter()
            batch = sdk.batches.create(input_file_id=upload.id,
                                       endpoint="/v1/chat/completions",
                                       completion_window="24h")
            created = time.perf_counter()
        if batch.request_counts is None or batch.request_counts.total != lines:
            raise RuntimeError(f"the batch holds {batch.request_counts} requests, not {lines}")
        latencies = _fixed_rate(port, f"/v1/batches/{batch.id}", key, rate=rate,
                                seconds=seconds)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    mib = 1024 * 1024
    return {
        "lines": lines, "file_bytes": len(data),
        "upload_seconds": uploaded - started, "upload_lines_per_s": lines / (uploaded - started),
        "create_seconds": created - uploaded,
        "create_lines_per_s": lines / (created - uploaded),
        "rss_before_mib": rss.baseline / mib, "rss_peak_mib": rss.peak / mib,
        "read_rate_per_s": rate, "reads": len(latencies),
        "read_p50_ms": 1000 * percentile(latencies, 0.50),
        "read_p99_ms": 1000 * percentile(latencies, 0.99),
        "read_max_ms": 1000 * max(latencies),
    }
