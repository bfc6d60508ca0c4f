"""The gateway driven by the official `openai` SDK, unchanged, on real databases and Redis.

Jobs are run by hand here (claim, open, seal, finish, as a worker does); the end-to-end test
with a real worker and the real engine is tests/e2e/test_gateway_sdk.py.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx
import openai
import pytest
from sqlalchemy import select

from producer.tenants import Role
from schemas.tables import FileLine, InputFile

if TYPE_CHECKING:
    from tests.integration.conftest import Harness

pytestmark = pytest.mark.integration


def request_line(custom_id: str, content: str, **body: Any) -> str:
    """One OpenAI Batch input line."""
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
                       "body": {"model": "sealq", "max_tokens": 16,
                                "messages": [{"role": "user", "content": content}], **body}})


def jsonl(*lines: str) -> bytes:
    """Lines as the bytes of a JSONL file."""
    return ("\n".join(lines) + "\n").encode()


def upload(sdk: openai.OpenAI, data: bytes, name: str = "reports.jsonl") -> Any:
    """files.create with purpose=batch, as a tenant's system does it."""
    return sdk.files.create(file=(name, data), purpose="batch")


def create(sdk: openai.OpenAI, file_id: str, **extra: Any) -> Any:
    """batches.create for chat completions in the 24h window."""
    return sdk.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions",
                              completion_window="24h", extra_body=extra or None)


def test_sdk_round_trip_returns_every_result(harness: Harness, gateway: Any) -> None:
    """Upload, create, poll, download: the SDK gets each answer back in OpenAI's shape."""
    sdk = gateway.sdk(gateway.key("acme"))
    lines = [request_line(f"r{i}", f"{harness.canary} report {i}") for i in range(3)]
    file = upload(sdk, jsonl(*lines))
    assert (file.purpose, file.filename, file.status) == ("batch", "reports.jsonl", "processed")
    assert file.bytes == len(jsonl(*lines))
    assert sdk.files.retrieve(file.id).id == file.id
    assert [f.id for f in sdk.files.list()] == [file.id]

    batch = create(sdk, file.id, kind="free_text", ttl_seconds=7200)
    assert batch.status == "in_progress"
    assert batch.request_counts is not None and batch.request_counts.total == 3
    assert batch.input_file_id == file.id and batch.output_file_id is None
    jobs = {row["custom_id"]: row for row in harness.rows("jobs")}
    assert {row["batch_id"] for row in jobs.values()} == {batch.id}
    harness.finish(jobs["r0"]["id"], "answer zero")
    harness.finish(jobs["r1"]["id"], "answer one")
    assert sdk.batches.retrieve(batch.id).status == "in_progress"
    harness.finish(jobs["r2"]["id"], "", fail_code="prompt_injection")

    done = sdk.batches.retrieve(batch.id)
    assert done.status == "completed"
    assert done.request_counts is not None
    assert (done.request_counts.completed, done.request_counts.failed) == (2, 1)
    assert done.completed_at is not None and done.usage is not None
    assert done.usage.input_tokens == 22 and done.usage.output_tokens == 10
    assert done.output_file_id and done.error_file_id
    output = [json.loads(line) for line in sdk.files.content(done.output_file_id).text
              .splitlines()]
    assert [(r["custom_id"], r["response"]["status_code"]) for r in output] == \
        [("r0", 200), ("r1", 200)]
    assert output[1]["response"]["body"]["choices"][0]["message"]["content"] == "answer one"
    assert output[0]["error"] is None
    errors = [json.loads(line) for line in sdk.files.content(done.error_file_id).text
              .splitlines()]
    assert [(r["custom_id"], r["error"]["code"]) for r in errors] == \
        [("r2", "prompt_injection")]
    info = sdk.files.retrieve(done.output_file_id)
    assert (info.purpose, info.bytes > 0) == ("batch_output", True)


def test_retried_create_and_idempotency_key_give_one_batch(gateway: Any,
                                                          harness: Harness) -> None:
    """The same file created twice (an SDK retry) or one Idempotency-Key is one batch."""
    sdk = gateway.sdk(gateway.key("acme"))
    file = upload(sdk, jsonl(request_line("a", harness.canary)))
    first = create(sdk, file.id)
    again = create(sdk, file.id)
    assert again.id == first.id
    other = upload(sdk, jsonl(request_line("a", harness.canary)))
    keyed = sdk.batches.create(input_file_id=other.id, endpoint="/v1/chat/completions",
                               completion_window="24h",
                               extra_headers={"Idempotency-Key": "nightly-2026-12-03"})
    replay = sdk.batches.create(input_file_id=other.id, endpoint="/v1/chat/completions",
                                completion_window="24h",
                                extra_headers={"Idempotency-Key": "nightly-2026-12-03"})
    assert replay.id == keyed.id != first.id
    assert harness.count("batches") == 2 and harness.count("jobs") == 2


def test_custom_ids_may_repeat_across_files_as_in_openai(gateway: Any,
                                                         harness: Harness) -> None:
    """request-1 in today's file and in yesterday's: two batches, as OpenAI clients expect."""
    sdk = gateway.sdk(gateway.key("acme"))
    first = create(sdk, upload(sdk, jsonl(request_line("request-1", harness.canary))).id)
    second = create(sdk, upload(sdk, jsonl(request_line("request-1", harness.canary))).id)
    assert first.id != second.id
    assert harness.count("jobs") == 2


@pytest.mark.parametrize(("key", "code"), [
    ("not-a-sealq-key", "unauthorized.malformed_key"),
    ("sqk_0123456789abcdef_" + "A" * 43, "unauthorized.unknown_key"),
])
def test_bad_keys_are_refused(gateway: Any, key: str, code: str) -> None:
    """A malformed key and an unknown key: AuthenticationError, the code says which."""
    with pytest.raises(openai.AuthenticationError) as caught:
        gateway.sdk(key).batches.list()
    assert caught.value.body["code"] == code  # type: ignore[index]


def test_missing_key_is_401_in_openai_shape(gateway: Any) -> None:
    """A call without Authorization answers 401 with OpenAI's error object."""
    response = httpx.get(f"{gateway.url}/batches")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    assert response.json()["error"]["code"] == "unauthorized.missing_key"


def test_revoked_and_expired_keys_stop_working(gateway: Any, harness: Harness) -> None:
    """A revoked key and an expired one are refused; a second live key keeps working."""
    key = gateway.key("acme")
    spare = gateway.key("acme")
    short = gateway.key("acme", expires_in=timedelta(days=1))
    gateway.sdk(key).batches.list()
    gateway.gateway.tenants.revoke(key, now=harness.clock())
    with pytest.raises(openai.AuthenticationError) as revoked:
        gateway.sdk(key).batches.list()
    assert revoked.value.body["code"] == "unauthorized.revoked_key"  # type: ignore[index]
    harness.clock.advance(2 * 86400)
    with pytest.raises(openai.AuthenticationError) as expired:
        gateway.sdk(short).batches.list()
    assert expired.value.body["code"] == "unauthorized.expired_key"  # type: ignore[index]
    assert gateway.sdk(spare).batches.list().data == []
    outcomes = [e.outcome for e in gateway.gateway.audit.events(tenant="acme")]
    assert "unauthorized.revoked_key" in outcomes and "unauthorized.expired_key" in outcomes


def test_a_revocation_reaches_a_gateway_within_its_key_cache_time(gateway_factory: Any,
                                                                  harness: Harness) -> None:
    """An accepted key is trusted for the cache time without the database; once it has
    passed, the revocation is seen; a refused key is never remembered."""
    seconds = [0.0]
    server = gateway_factory(key_cache_seconds=2.0, ticker=lambda: seconds[0])
    key = server.key("acme")
    sdk = server.sdk(key)
    sdk.batches.list()
    server.gateway.tenants.revoke(key, now=harness.clock())
    seconds[0] = 1.5
    assert sdk.batches.list().data == []  # still within the 2 s this process trusts it
    seconds[0] = 2.5
    with pytest.raises(openai.AuthenticationError):
        sdk.batches.list()
    seconds[0] = 3.0
    with pytest.raises(openai.AuthenticationError):
        sdk.batches.list()


def test_another_tenants_ids_look_missing(gateway: Any, harness: Harness) -> None:
    """Tenant B asking for A's batch or file gets the same 404 as for an id that never was."""
    acme = gateway.sdk(gateway.key("acme"))
    globex = gateway.sdk(gateway.key("globex"))
    file = upload(acme, jsonl(request_line("a", harness.canary)))
    batch = create(acme, file.id)
    for call in (lambda: globex.batches.retrieve(batch.id),
                 lambda: globex.batches.cancel(batch.id),
                 lambda: globex.files.retrieve(file.id),
                 lambda: globex.files.delete(file.id),
                 lambda: create(globex, file.id)):
        with pytest.raises(openai.NotFoundError):
            call()
    with pytest.raises(openai.NotFoundError) as theirs:
        globex.batches.retrieve(batch.id)
    with pytest.raises(openai.NotFoundError) as nobodys:
        globex.batches.retrieve("batch_" + "0" * 32)
    mine, never = theirs.value.body, nobodys.value.body
    assert isinstance(mine, dict) and isinstance(never, dict)
    assert mine["message"].replace(batch.id, "ID") == never["message"].replace(
        "batch_" + "0" * 32, "ID")
    assert globex.batches.list().data == [] and globex.files.list().data == []
    assert acme.batches.retrieve(batch.id).id == batch.id


def test_reader_keys_read_but_cannot_submit(gateway: Any, harness: Harness) -> None:
    """A reader key lists and reads; creating, cancelling or deleting is PermissionDenied."""
    submitter = gateway.sdk(gateway.key("acme"))
    reader = gateway.sdk(gateway.key("acme", role=Role.READER))
    file = upload(submitter, jsonl(request_line("a", harness.canary)))
    batch = create(submitter, file.id)
    assert reader.batches.retrieve(batch.id).id == batch.id
    for call in (lambda: upload(reader, jsonl(request_line("b", "x"))),
                 lambda: create(reader, file.id),
                 lambda: reader.batches.cancel(batch.id),
                 lambda: reader.files.delete(file.id)):
        with pytest.raises(openai.PermissionDeniedError):
            call()


def test_rate_limit_answers_429_with_retry_after(gateway_factory: Any) -> None:
    """Past the tenant's requests per minute: RateLimitError with Retry-After <= 120."""
    server = gateway_factory()
    server.gateway.tenants.add("tiny", now=server.gateway.clock(), rate_limit=3)
    sdk = server.sdk(server.key("tiny"))
    for _ in range(3):
        sdk.batches.list()
    with pytest.raises(openai.RateLimitError) as caught:
        sdk.batches.list()
    retry_after = int(caught.value.response.headers["retry-after"])
    assert 1 <= retry_after <= 120
    assert caught.value.body["code"] == "rate_limit_exceeded"  # type: ignore[index]
    other = server.sdk(server.key("acme"))
    assert other.batches.list().data == []  # limits are per tenant


def test_enqueued_job_quota(gateway: Any, harness: Harness) -> None:
    """A batch passing the tenant's enqueued-job cap is 429 (or 400 if it never could fit)."""
    gateway.gateway.tenants.add("capped", now=harness.clock(), max_enqueued_jobs=2)
    sdk = gateway.sdk(gateway.key("capped"))
    two = upload(sdk, jsonl(*(request_line(f"a{i}", harness.canary) for i in range(2))))
    three = upload(sdk, jsonl(*(request_line(f"b{i}", harness.canary) for i in range(3))))
    one = upload(sdk, jsonl(request_line("c", harness.canary)))
    with pytest.raises(openai.BadRequestError, match="split the file"):
        create(sdk, three.id)
    create(sdk, two.id)
    with pytest.raises(openai.RateLimitError) as caught:
        create(sdk, one.id)
    assert caught.value.body["code"] == "enqueued_jobs_limit"  # type: ignore[index]
    assert int(caught.value.response.headers["retry-after"]) <= 120
    assert harness.count("jobs") == 2


@pytest.mark.parametrize(("lines", "message"), [
    ([request_line("a", "x"), "{not json", request_line("c", "y")], "line 2: not valid JSON"),
    ([request_line("a", "x"), request_line("a", "y")], "line 2: custom_id"),
    ([request_line("a", "x", temperature=9)], "line 1: body.temperature"),
    ([request_line("a", "x", logprobs=True)], "line 1: body.logprobs: unknown field"),
    (["", "  "], "no requests found"),
])
def test_bad_upload_is_400_naming_the_line_and_stores_nothing(
        gateway: Any, harness: Harness, lines: list[str], message: str) -> None:
    """A bad line fails the whole upload with its line and field; no row is left behind."""
    sdk = gateway.sdk(gateway.key("acme"))
    data = jsonl(*(line.replace('"x"', f'"{harness.canary}"') for line in lines))
    with pytest.raises(openai.BadRequestError) as caught:
        upload(sdk, data)
    body = caught.value.body
    assert isinstance(body, dict) and message in body["message"]
    assert harness.canary not in json.dumps(body)
    with harness.jobs.connect() as connection:
        assert connection.execute(select(InputFile.id)).all() == []
        assert connection.execute(select(FileLine.file_id)).all() == []


def test_oversize_upload_is_413_before_it_is_read(gateway_factory: Any,
                                                  harness: Harness) -> None:
    """A body over the upload limit is refused with 413; nothing is stored."""
    server = gateway_factory(max_upload_bytes=4096)
    sdk = server.sdk(server.key("acme"))
    big = jsonl(*(request_line(f"r{i}", harness.canary * 4) for i in range(400)))
    with pytest.raises(openai.APIStatusError) as caught:
        upload(sdk, big)
    assert caught.value.status_code == 413
    assert harness.count("files") == 0


def test_request_validation_errors_name_the_field(gateway: Any, harness: Harness) -> None:
    """Wrong endpoint, window, unknown kind or extra field: 400 naming the parameter."""
    sdk = gateway.sdk(gateway.key("acme"))
    file = upload(sdk, jsonl(request_line("a", harness.canary)))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"endpoint": "/v1/embeddings"}, "endpoint"),
        ({"completion_window": "48h"}, "completion_window"),
        ({"extra_body": {"kind": "no_such_kind"}}, "input_file_id"),
        ({"extra_body": {"colour": "blue"}}, "colour"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
    ]
    for change, param in cases:
        arguments: dict[str, Any] = {"input_file_id": file.id,
                                     "endpoint": "/v1/chat/completions",
                                     "completion_window": "24h", **change}
        with pytest.raises(openai.BadRequestError) as caught:
            sdk.batches.create(**arguments)
        assert caught.value.body["param"] == param, change  # type: ignore[index]
    assert harness.count("batches") == 0


def test_cancel_ends_the_batch_cancelled(gateway: Any, harness: Harness) -> None:
    """Cancelling ends queued jobs at once; the batch reads cancelled with an error file."""
    sdk = gateway.sdk(gateway.key("acme"))
    batch = create(sdk, upload(sdk, jsonl(request_line("a", harness.canary),
                                          request_line("b", harness.canary))).id)
    cancelled = sdk.batches.cancel(batch.id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert cancelled.request_counts is not None and cancelled.request_counts.failed == 2
    assert cancelled.error_file_id is not None and cancelled.output_file_id is None
    codes = [json.loads(line)["error"]["code"]
             for line in sdk.files.content(cancelled.error_file_id).text.splitlines()]
    assert codes == ["cancelled", "cancelled"]


def test_deleting_files_erases_their_sealed_data(gateway: Any, harness: Harness) -> None:
    """DELETE of an input file erases its lines; of an output file, the results it held."""
    sdk = gateway.sdk(gateway.key("acme"))
    file = upload(sdk, jsonl(request_line("a", harness.canary)))
    batch = create(sdk, file.id)
    harness.finish(harness.rows("jobs")[0]["id"], f"result {harness.canary}")
    assert sdk.files.delete(file.id).deleted
    with pytest.raises(openai.NotFoundError):
        sdk.files.retrieve(file.id)
    assert harness.count("file_lines") == 0
    output = sdk.batches.retrieve(batch.id).output_file_id
    assert output is not None
    assert sdk.files.delete(output).deleted
    with pytest.raises(openai.NotFoundError):
        sdk.files.content(output)
    assert sdk.batches.retrieve(batch.id).output_file_id is None
    [job] = harness.rows("jobs")
    assert job["sealed_result"] is None and job["wrapped_key"] is None


def test_input_files_cannot_be_downloaded(gateway: Any, harness: Harness) -> None:
    """As in OpenAI's API, a purpose=batch file's content is not served back."""
    sdk = gateway.sdk(gateway.key("acme"))
    file = upload(sdk, jsonl(request_line("a", harness.canary)))
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.files.content(file.id)
    assert caught.value.body["code"] == "download_not_allowed"  # type: ignore[index]


def test_lists_page_with_cursors(gateway: Any, harness: Harness) -> None:
    """batches.list pages newest first with has_more; auto-pagination visits each once."""
    sdk = gateway.sdk(gateway.key("acme"))
    ids = []
    for i in range(5):
        file = upload(sdk, jsonl(request_line(f"r{i}", harness.canary)))
        ids.append(create(sdk, file.id).id)
        harness.clock.advance(1)
    first = sdk.batches.list(limit=2)
    assert [b.id for b in first.data] == ids[::-1][:2] and first.has_more is True
    assert [b.id for b in sdk.batches.list(limit=2)] == ids[::-1]
    last = sdk.batches.list(limit=2, after=ids[1])
    assert [b.id for b in last.data] == [ids[0]] and last.has_more is False
    files = sdk.files.list(limit=3, order="asc")
    assert len(files.data) == 3 and files.has_more is True


def test_health_and_readiness(gateway: Any) -> None:
    """/healthz answers without a key; /readyz checks the database."""
    base = gateway.url.removesuffix("/v1")
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}


def test_audit_trail_has_ids_and_sizes_never_content(gateway: Any, harness: Harness) -> None:
    """Each call leaves an event (tenant, key id, action, ids, sizes); no canary anywhere."""
    key = gateway.key("acme")
    sdk = gateway.sdk(key)
    file = upload(sdk, jsonl(request_line("a", harness.canary)), name=f"{harness.canary}.jsonl")
    batch = create(sdk, file.id)
    with pytest.raises(openai.NotFoundError):
        sdk.batches.retrieve("batch_missing")
    events = gateway.gateway.audit.events(tenant="acme")
    # Writes and refusals are in the trail before their answer; a successful read is
    # written with the next batch (within a fraction of a second).
    assert [(e.action, e.status) for e in events] == [
        ("files.create", 200), ("batches.create", 200), ("batches.retrieve", 404)]
    sdk.batches.retrieve(batch.id)
    gateway.gateway.audit_writer.flush()
    events = gateway.gateway.audit.events(tenant="acme")
    assert [(e.action, e.status) for e in events][-1] == ("batches.retrieve", 200)
    assert events[0].object_id == file.id and events[0].items == 1
    assert events[0].request_bytes > 0 and events[1].object_id == batch.id
    assert {e.key_id for e in events} == {key.split("_")[1]}
    assert events[2].outcome == "not_found" and events[3].object_id == batch.id
    dumped = json.dumps([e.as_dict() for e in events])
    assert harness.canary not in dumped and key not in dumped
    assert harness.canary.encode() not in harness.dump()
