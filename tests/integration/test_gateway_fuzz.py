"""The gateway fuzzed from its own OpenAPI document (schemathesis): no 5xx, no content echoed.

Every operation gets generated paths, queries and bodies, sent with a valid key of a tenant
that holds a batch and a file whose prompts carry a canary. Whatever comes back must not be a
server error, must be JSON in OpenAI's error shape when it is an error, and must never hold
the canary.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from producer.api.app import create_app
from producer.api.gateway import Defaults
from producer.client import utc_now

if TYPE_CHECKING:
    from tests.integration.conftest import Harness

pytestmark = pytest.mark.integration


class _DocumentOnly:
    """What create_app reads while building routes; enough to render the OpenAPI document."""

    defaults = Defaults()
    clock = staticmethod(utc_now)

    def audit_record(self, event: object) -> None:
        """Never called: the app is only asked for its document."""


# The document the real gateway serves (the same routes); requests go to a live gateway.
schema = schemathesis.openapi.from_dict(create_app(_DocumentOnly()).openapi())  # type: ignore[arg-type]  # a document-only stand-in


@pytest.fixture
def fuzz_target(gateway: Any, harness: Harness) -> dict[str, Any]:
    """A live gateway's base URL and a key of a tenant holding a batch and a file."""
    key = gateway.key("acme")
    sdk = gateway.sdk(key)
    line = json.dumps({"custom_id": "a", "body": {
        "messages": [{"role": "user", "content": harness.canary}], "max_tokens": 4}})
    file = sdk.files.create(file=("f.jsonl", (line + "\n").encode()), purpose="batch")
    sdk.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions",
                       completion_window="24h")
    return {"key": key, "base_url": gateway.url.removesuffix("/v1")}


@schema.parametrize()
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_server_error_and_no_content_in_any_answer(case: Any, fuzz_target: dict[str, Any],
                                                      harness: Harness) -> None:
    """Generated requests never get a 5xx, errors are OpenAI-shaped, the canary never shows."""
    response = case.call(base_url=fuzz_target["base_url"],
                         headers={"Authorization": f"Bearer {fuzz_target['key']}"})
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
    assert harness.canary not in response.text
