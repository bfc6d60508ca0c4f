"""`sealq submit` rate: `Client.submit_file` on a large file against a real database."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bench.backend import TENANT, Backend
from bench.workload import KIND, Workload, custom_id, request_body
from producer.client import Client


def write_submit_file(path: Path, workload: Workload) -> None:
    """The workload as a JSONL file a producer would hand to `sealq submit`."""
    with path.open("w") as f:
        for i in workload.indices:
            line = {"custom_id": custom_id(workload, i), "body": request_body(i, workload.tokens)}
            f.write(json.dumps(line) + "\n")


def measure_submit(backend: Backend, workload: Workload, workdir: Path) -> dict[str, Any]:
    """Read, validate, seal and store the whole file (the jobs then wait for the dispatcher);
    jobs per second."""
    path = workdir / "submit.jsonl"
    write_submit_file(path, workload)
    client = Client.from_settings(backend.settings)  # connecting is not part of the rate
    try:
        started = time.perf_counter()
        result = client.submit_file(path, tenant=TENANT, kind=KIND)
        seconds = time.perf_counter() - started
    finally:
        client.close()
    if result.created != workload.jobs:
        raise RuntimeError(f"submit stored {result.created} of {workload.jobs} lines")
    return {"lines": workload.jobs, "seconds": seconds, "jobs_per_s": workload.jobs / seconds}
