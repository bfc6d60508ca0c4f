"""The whole path on real parts: producer -> database -> dispatcher -> Redis -> worker with
vLLM -> sealed result."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import create_engine, select, update
from support.processes import SEALQ, DispatcherProcess, WorkerProcess, wait_gone
from support.scan import scan_database, scan_files, scan_redis

from producer.client import Client
from producer.embedded import PrivateRedis
from schemas.kinds import builtin_kinds
from schemas.settings import Settings
from schemas.tables import Job

pytestmark = pytest.mark.e2e

CANARY_PROMPT = "CANARY-PROMPT-7Q2Z"
CANARY_ECHO = "ZEBRA-CANARY-4471"
REPORT = ("Quarterly report for Alder Bank, code {canary}. Revenue rose 8% to EUR 120 million in "
          "Q3 2026. Costs were EUR 80 million. Loan losses doubled to EUR 6 million. Liquidity "
          "coverage is 140%.")


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A private Redis for this test, so every key in it can be scanned."""
    server = PrivateRedis.start(tmp_path)
    yield server
    server.stop()


def _line(custom_id: str, content: str, max_tokens: int) -> str:
    return json.dumps({"custom_id": custom_id, "body": {
        "messages": [{"role": "user", "content": content}], "max_tokens": max_tokens,
        "temperature": 0}})


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_batch_runs_end_to_end_and_leaves_no_trace(
    tmp_path: Path, pg_url: str, keys_file: Path, redis_server: PrivateRedis
) -> None:
    """A mixed batch ends with every job terminal, results open, and no canary anywhere."""
    # A tenant kind whose schema admits only the canary: constrained decoding makes the real
    # model write it, so the canary is in a result and the scans below could see one leak.
    kinds_file = tmp_path / "kinds.json"
    kinds_file.write_text(json.dumps([{
        "name": "echo_code", "system_prompt": "Answer with the code.",
        "output_schema": {"enum": [CANARY_ECHO]}}]))
    env = {"SEALQ_DATABASE_URL": pg_url, "SEALQ_BROKER_URL": redis_server.url,
           "SEALQ_KEYS_FILE": str(keys_file), "SEALQ_LOG_LEVEL": "DEBUG",
           "SEALQ_KINDS_FILE": str(kinds_file),
           "SEALQ_WORKER_CONCURRENCY": "16", "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    subprocess.run([*SEALQ, "db", "upgrade"], env={**_os_env(), **env}, check=True)
    settings = Settings(database_url=pg_url, broker_url=redis_server.url, keys_file=keys_file,
                        kinds_file=kinds_file)
    client = Client.from_settings(settings)
    client.tenants.add("acme", now=datetime.now(UTC))

    reports = _write(tmp_path / "reports.jsonl", [
        _line(f"report-{i}", REPORT.format(canary=CANARY_PROMPT), 1024) for i in range(6)])
    echo_file = _write(tmp_path / "echo.jsonl", [_line("echo", "Which code?", 24)])
    texts = _write(tmp_path / "texts.jsonl", [
        _line("tampered", f"Summarise: {CANARY_PROMPT}", 16),
        _line("too-long", f"{CANARY_PROMPT} " + "figure " * 4000, 16),
    ])
    report_batch = client.submit_file(reports, tenant="acme", kind="report_analysis")
    text_batch = client.submit_file(texts, tenant="acme", kind="free_text")
    echo_batch = client.submit_file(echo_file, tenant="acme", kind="echo_code")
    assert (report_batch.created, text_batch.created, echo_batch.created) == (6, 2, 1)

    jobs_db = create_engine(pg_url)
    with jobs_db.begin() as connection:
        sealed = connection.scalar(select(Job.sealed_prompt).where(Job.custom_id == "tampered"))
        assert sealed is not None
        flipped = sealed[:-1] + bytes([sealed[-1] ^ 1])
        connection.execute(update(Job).where(Job.custom_id == "tampered")
                           .values(sealed_prompt=flipped))

    # The jobs wait in the database until the worker announces its slots; then the
    # dispatcher releases them.
    worker = WorkerProcess(env, tmp_path / "worker.log")
    dispatcher = DispatcherProcess(env, tmp_path / "dispatcher.log")
    try:
        worker.wait_ready()
        for batch in (report_batch, text_batch, echo_batch):
            counts = client.wait(batch.batch_id, timeout=900)
            assert counts["queued"] == counts["running"] == 0, counts
        engine_processes = worker.descendants()
        assert engine_processes, "the engine runs in a child process"
    finally:
        dispatcher_exit = dispatcher.stop(signal.SIGTERM)
        exit_code = worker.stop(signal.SIGTERM)
    assert exit_code == 0, worker.log()[-3000:]
    assert dispatcher_exit == 0, dispatcher.log()[-3000:]
    assert wait_gone(engine_processes, timeout=60) == [], "engine processes outlived the worker"

    records = {r["custom_id"]: r for b in (report_batch, text_batch, echo_batch)
               for r in client.results(b.batch_id)}
    assert records["tampered"]["error"]["code"] == "payload_invalid"
    assert records["too-long"]["error"]["code"] == "prompt_too_long"
    assert records["too-long"]["sealq"]["state"] == "failed"
    echo = records["echo"]["response"]["body"]["choices"][0]["message"]["content"]
    assert CANARY_ECHO in echo, "the canary is in a result, so the scans could see it leak"
    schema = builtin_kinds()["report_analysis"].output_schema
    assert schema is not None
    for i in range(6):
        record = records[f"report-{i}"]
        assert record["error"] is None, record
        answer = json.loads(record["response"]["body"]["choices"][0]["message"]["content"])
        assert list(Draft202012Validator(schema).iter_errors(answer)) == []
        assert record["response"]["body"]["usage"]["completion_tokens"] > 0

    needles = [CANARY_PROMPT, CANARY_ECHO]
    assert scan_redis(redis_server.url, needles) == []
    assert scan_database(pg_url, needles) == []
    assert scan_database(settings.resolved_key_store_url, needles) == []
    assert scan_files([tmp_path / "worker.log", tmp_path / "dispatcher.log", tmp_path / "tmp"],
                      needles) == []
    assert "DEBUG" in worker.log(), "the scan covered a DEBUG-level log"
    assert "DEBUG" in dispatcher.log(), "the scan covered the dispatcher's DEBUG-level log"


def _os_env() -> dict[str, str]:
    import os

    return dict(os.environ)
