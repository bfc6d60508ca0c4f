"""Lanes through the gateway: the SDK's `extra_body` sets a batch's priority."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import openai
import pytest

if TYPE_CHECKING:
    from tests.integration.conftest import Harness

pytestmark = pytest.mark.integration


def batch_file(sdk: openai.OpenAI, content: str, count: int = 2) -> str:
    """An uploaded input file of `count` requests; returns its id."""
    lines = [json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
                         "body": {"max_tokens": 8,
                                  "messages": [{"role": "user", "content": content}]}})
             for i in range(count)]
    return sdk.files.create(file=("in.jsonl", "\n".join(lines).encode()), purpose="batch").id


def create(sdk: openai.OpenAI, file_id: str, **extra: Any) -> Any:
    """batches.create as a tenant's system calls it."""
    return sdk.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions",
                              completion_window="24h", extra_body=extra or None)


def test_priority_reaches_every_job(gateway: Any, harness: Harness) -> None:
    """`priority: urgent` puts the batch and each of its jobs in the urgent lane."""
    sdk = gateway.sdk(gateway.key("acme"))
    batch = create(sdk, batch_file(sdk, harness.canary), priority="urgent")
    assert batch.model_extra["sealq"]["priority"] == "urgent"
    assert {(row["priority"], row["enqueued_at"]) for row in harness.rows("jobs")} == \
        {("urgent", None)}


def test_default_priority_is_normal(gateway: Any, harness: Harness) -> None:
    """Without the field, jobs wait in the normal lane."""
    sdk = gateway.sdk(gateway.key("acme"))
    create(sdk, batch_file(sdk, harness.canary))
    assert {row["priority"] for row in harness.rows("jobs")} == {"normal"}


def test_unknown_priority_is_a_clear_400(gateway: Any, harness: Harness) -> None:
    """A priority that is not a lane is refused, naming the field; nothing is stored."""
    sdk = gateway.sdk(gateway.key("acme"))
    file_id = batch_file(sdk, harness.canary)
    with pytest.raises(openai.BadRequestError) as caught:
        create(sdk, file_id, priority="asap")
    body: Any = caught.value.body
    assert body["param"] == "priority"
    assert "urgent" in body["message"] and "bulk" in body["message"]
    assert harness.count("batches") == 0
