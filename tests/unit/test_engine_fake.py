"""FakeEngine: the deterministic engine the worker's unit tests run on."""

from __future__ import annotations

import json
import threading
from concurrent.futures import CancelledError

import jsonschema
import pytest

from schemas.errors import EngineDead, JobFailure
from workers.engine.base import GenerationRequest
from workers.engine.fake import FakeEngine

SCHEMA = {
    "type": "object",
    "properties": {
        "summary": {"type": "string", "minLength": 3},
        "score": {"type": "integer", "minimum": 1},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        "level": {"enum": ["low", "high"]},
    },
    "required": ["summary", "score", "tags", "level"],
    "additionalProperties": False,
}


def chat(request_id: str, text: str, **kwargs: object) -> GenerationRequest:
    return GenerationRequest(request_id, [{"role": "user", "content": text}], **kwargs)  # type: ignore[arg-type]


def test_answers_are_deterministic_echoes() -> None:
    """The same request gets the same echo of its last user message every time."""
    engine = FakeEngine()
    first = engine.submit(chat("a", "hello there", max_tokens=16)).result()
    second = engine.submit(chat("b", "hello there", max_tokens=16)).result()
    assert first.text == second.text == "echo: hello there"
    assert first.finish_reason == "stop"
    assert first.completion_tokens == 3


def test_fixed_answer_is_cut_at_max_tokens() -> None:
    """A configured answer longer than max_tokens ends with finish_reason length."""
    engine = FakeEngine(answer=lambda _: "one two three four")
    completion = engine.submit(chat("a", "x", max_tokens=2)).result()
    assert (completion.text, completion.finish_reason) == ("one two", "length")


def test_json_schema_requests_get_valid_json() -> None:
    """With a json_schema the answer is JSON that validates against it."""
    engine = FakeEngine()
    text = engine.submit(chat("a", "x", max_tokens=64, json_schema=SCHEMA)).result().text
    jsonschema.validate(json.loads(text), SCHEMA)


def test_json_answer_overrides_the_schema_instance() -> None:
    """A configured json_answer is returned as is, even if it breaks the schema."""
    engine = FakeEngine(json_answer={"wrong": True})
    text = engine.submit(chat("a", "x", max_tokens=64, json_schema=SCHEMA)).result().text
    assert json.loads(text) == {"wrong": True}


def test_long_prompts_fail_with_prompt_too_long() -> None:
    """Prompts above max_prompt_chars fail with JobFailure(prompt_too_long); shorter ones pass."""
    engine = FakeEngine(max_prompt_chars=5)
    with pytest.raises(JobFailure) as failure:
        engine.submit(chat("a", "123456", max_tokens=4)).result()
    assert failure.value.code == "prompt_too_long"
    assert engine.submit(chat("b", "12345", max_tokens=4)).result().text == "echo: 12345"


def test_die_fails_held_and_later_requests_with_engine_dead() -> None:
    """After die(), held and new requests both fail with EngineDead."""
    engine = FakeEngine(hold=True)
    held = engine.submit(chat("a", "x", max_tokens=4))
    engine.die()
    with pytest.raises(EngineDead):
        held.result()
    with pytest.raises(EngineDead):
        engine.submit(chat("b", "x", max_tokens=4)).result()


def test_held_requests_wait_for_release_and_can_be_cancelled() -> None:
    """With hold=True futures stay pending; a cancelled one is skipped by release()."""
    engine = FakeEngine(hold=True)
    kept = engine.submit(chat("a", "x", max_tokens=4))
    dropped = engine.submit(chat("b", "y", max_tokens=4))
    assert not kept.done()
    assert engine.stats().running == 2
    assert dropped.cancel()
    assert engine.release() == 1
    assert kept.result().text == "echo: x"
    with pytest.raises(CancelledError):
        dropped.result()


def test_close_makes_submit_fail_with_engine_dead() -> None:
    """A closed engine refuses work with EngineDead, and close() is idempotent."""
    with FakeEngine() as engine:
        pass
    engine.close()
    with pytest.raises(EngineDead):
        engine.submit(chat("a", "x", max_tokens=4)).result()


def test_state_is_per_instance_and_thread_safe() -> None:
    """Concurrent submits from many threads are all recorded, on their own instance only."""
    engine, other = FakeEngine(), FakeEngine()

    def feed(worker: int) -> None:
        for i in range(50):
            engine.submit(chat(f"{worker}-{i}", "x y", max_tokens=8)).result()

    threads = [threading.Thread(target=feed, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(engine.submitted) == 400
    assert engine.stats().generation_tokens_total == 400 * 3
    assert other.submitted == []


def test_repr_hides_prompt_and_answer() -> None:
    """Neither the request nor the completion shows text through repr()."""
    request = chat("a", "secret words", max_tokens=8)
    completion = FakeEngine().submit(request).result()
    assert "secret" not in repr(request)
    assert "secret" not in repr(completion)
