"""A tenant's system as it really integrates: the `openai` SDK only, against `sealq api`, a
real `sealq worker` running the vLLM engine and `sealq dispatch`, for a batch of report analyses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import openai
import pytest
from jsonschema import Draft202012Validator
from support.processes import SEALQ, DispatcherProcess, WorkerProcess
from support.services import free_port

from producer.embedded import PrivateRedis
from producer.tenants import Role, TenantDirectory
from schemas.db import make_engine
from schemas.kinds import builtin_kinds

pytestmark = pytest.mark.e2e

REPORTS = [
    "Quarterly report, Alder Bank: revenue rose 8% to EUR 120 million in Q3 2026; costs were "
    "EUR 80 million; loan losses doubled to EUR 6 million; liquidity coverage is 140%.",
    "Annual summary, Birch Health: patient volumes grew 12% to 410,000 visits; operating "
    "margin fell from 9% to 6% on staffing costs; two new clinics open in 2027.",
    "Half-year note, Cedar Logistics: freight revenue was flat at USD 2.1 billion; fuel costs "
    "rose 15%; the company cut its full-year guidance by 5%.",
]


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A private Redis for this test."""
    server = PrivateRedis.start(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def deployment(tmp_path: Path, pg_url: str, keys_file: Path,
               redis_server: PrivateRedis) -> Iterator[dict[str, str]]:
    """`sealq api`, `sealq worker` and `sealq dispatch` as real processes on PostgreSQL and a
    private Redis."""
    env = {"SEALQ_DATABASE_URL": pg_url, "SEALQ_BROKER_URL": redis_server.url,
           "SEALQ_KEYS_FILE": str(keys_file), "SEALQ_LOG_LEVEL": "DEBUG",
           "SEALQ_WORKER_CONCURRENCY": "8"}
    full = {**os.environ, **env}
    subprocess.run([*SEALQ, "db", "upgrade"], env=full, check=True)
    port = free_port()
    with (tmp_path / "api.log").open("ab") as log:
        api = subprocess.Popen([*SEALQ, "api", "--port", str(port)], env=full, stdout=log,
                               stderr=subprocess.STDOUT)
    worker = WorkerProcess(env, tmp_path / "worker.log")
    dispatcher = DispatcherProcess(env, tmp_path / "dispatcher.log")
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "api.log").read_text()
            time.sleep(0.25)
        directory = TenantDirectory(make_engine(pg_url))
        now = datetime.now(UTC)
        directory.add("acme", now=now)
        _, key = directory.issue_key("acme", role=Role.SUBMITTER, now=now)
        _, reader = directory.issue_key("acme", role=Role.READER, now=now)
        worker.wait_ready()
        yield {"url": f"{base}/v1", "key": key, "reader": reader}
    finally:
        dispatcher.stop(signal.SIGTERM)
        worker.stop(signal.SIGTERM)
        api.send_signal(signal.SIGTERM)
        api.wait(timeout=60)


def test_report_analysis_batch_through_the_sdk(deployment: dict[str, str]) -> None:
    """files.create, batches.create/retrieve/list/cancel and files.content, SDK unchanged:
    every report's analysis comes back valid; the SDK's own exceptions fire where they should."""
    sdk = openai.OpenAI(base_url=deployment["url"], api_key=deployment["key"])
    lines = [json.dumps({"custom_id": f"report-{i}", "method": "POST",
                         "url": "/v1/chat/completions",
                         "body": {"model": "sealq", "max_tokens": 1024, "temperature": 0,
                                  "messages": [{"role": "user", "content": text}]}})
             for i, text in enumerate(REPORTS)]
    file = sdk.files.create(file=("reports.jsonl", ("\n".join(lines) + "\n").encode()),
                            purpose="batch")
    batch = sdk.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions",
                               completion_window="24h", metadata={"desk": "credit"},
                               extra_body={"kind": "report_analysis"})
    spare = sdk.files.create(file=("spare.jsonl", (lines[0] + "\n").encode()), purpose="batch")
    doomed = sdk.batches.create(input_file_id=spare.id, endpoint="/v1/chat/completions",
                                completion_window="24h")
    assert sdk.batches.cancel(doomed.id).status in ("cancelling", "cancelled")
    assert {b.id for b in sdk.batches.list()} == {batch.id, doomed.id}

    deadline = time.monotonic() + 900
    while (current := sdk.batches.retrieve(batch.id)).status != "completed":
        assert current.status == "in_progress", current
        assert time.monotonic() < deadline, "the batch did not complete in time"
        time.sleep(2)
    assert current.request_counts is not None
    assert (current.request_counts.completed, current.request_counts.total) == (3, 3)
    assert current.output_file_id is not None and current.error_file_id is None
    assert current.metadata == {"desk": "credit"}

    schema = builtin_kinds()["report_analysis"].output_schema
    assert schema is not None
    records = [json.loads(line) for line in
               sdk.files.content(current.output_file_id).text.splitlines()]
    assert [r["custom_id"] for r in records] == ["report-0", "report-1", "report-2"]
    for record in records:
        assert record["error"] is None and record["response"]["status_code"] == 200
        answer = json.loads(record["response"]["body"]["choices"][0]["message"]["content"])
        assert list(Draft202012Validator(schema).iter_errors(answer)) == []
    assert sdk.batches.retrieve(doomed.id).status == "cancelled"

    reader = openai.OpenAI(base_url=deployment["url"], api_key=deployment["reader"],
                           max_retries=0)
    assert reader.batches.retrieve(batch.id).id == batch.id
    with pytest.raises(openai.PermissionDeniedError):
        reader.batches.cancel(batch.id)
    with pytest.raises(openai.NotFoundError):
        sdk.batches.retrieve("batch_" + "f" * 32)
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=deployment["url"], api_key="sqk_0000000000000000_" + "x" * 43,
                      max_retries=0).batches.list()
