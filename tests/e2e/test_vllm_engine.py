"""The real vLLM engine on the embedded model: batching, schemas, limits, cancel, shutdown.

The session engine is shared; the last test closes it, so keep it last in this file. What
happens to the engine when its owner is SIGTERMed or SIGKILLed is tested on the real worker
(tests/reliability/test_faults.py).
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import CancelledError, ThreadPoolExecutor
from typing import Any

import jsonschema
import psutil
import pytest

from schemas.errors import EngineDead, JobFailure
from workers.engine.base import Completion, GenerationRequest
from workers.engine.options import EngineOptions

pytestmark = pytest.mark.e2e

# Bounded waits, not timings: how long processes may take to go away.
GONE_WITHIN_SECONDS = 30

PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string", "maxLength": 40}, "age": {"type": "integer"}},
    "required": ["name", "age"],
    "additionalProperties": False,
}


def chat(request_id: str, text: str, max_tokens: int = 24, **kwargs: Any) -> GenerationRequest:
    return GenerationRequest(
        request_id, [{"role": "user", "content": text}], max_tokens=max_tokens, **kwargs
    )


def engine_processes(root: psutil.Process) -> list[psutil.Process]:
    """Live descendants of `root` that belong to vLLM's engine (by their process title)."""
    found = []
    for process in root.children(recursive=True):
        try:
            if "VLLM" in " ".join(process.cmdline()) or "VLLM" in process.name():
                found.append(process)
        except psutil.Error:
            continue
    return found


def test_sixteen_concurrent_submits_all_complete(vllm_engine: Any) -> None:
    """16 threads submitting at once all get a completion from the one shared engine."""

    def ask(i: int) -> Completion:
        result: Completion = vllm_engine.submit(chat(f"c{i}", f"Name a colour, {i}.")).result(300)
        return result

    with ThreadPoolExecutor(16) as pool:
        completions = list(pool.map(ask, range(16)))
    assert len(completions) == 16
    for completion in completions:
        assert completion.finish_reason in {"stop", "length"}
        assert 0 < completion.completion_tokens <= 24
        assert completion.prompt_tokens > 0
    stats = vllm_engine.stats()
    assert stats.generation_tokens_total and stats.generation_tokens_total >= 16


def test_json_schema_output_validates(vllm_engine: Any) -> None:
    """A request with json_schema returns JSON that validates against the schema."""
    request = chat("j", "Describe a person as JSON.", max_tokens=64, json_schema=PERSON)
    completion = vllm_engine.submit(request).result(300)
    jsonschema.validate(json.loads(completion.text), PERSON)


def test_too_long_prompt_fails_and_engine_keeps_serving(vllm_engine: Any) -> None:
    """A prompt over max_model_len fails with prompt_too_long, without its text; work goes on."""
    with pytest.raises(JobFailure) as failure:
        vllm_engine.submit(chat("long", "zebra " * 3000)).result(60)
    assert failure.value.code == "prompt_too_long"
    assert "zebra" not in str(failure.value)
    assert vllm_engine.submit(chat("after", "Say hi.")).result(300).completion_tokens > 0


def test_max_tokens_is_clamped_to_the_window(vllm_engine: Any) -> None:
    """A prompt near the window gets only the tokens left in it, ending with length."""
    completion = vllm_engine.submit(
        chat("near", "go " * 1990, max_tokens=500, ignore_eos=True)
    ).result(600)
    room = vllm_engine.max_model_len - completion.prompt_tokens
    assert 0 < room < 500, f"prompt has {completion.prompt_tokens} tokens; adjust the test"
    assert (completion.completion_tokens, completion.finish_reason) == (room, "length")


def test_cancelling_a_future_aborts_the_request(vllm_engine: Any) -> None:
    """Cancelling the future aborts the vLLM request; later requests still complete."""
    future = vllm_engine.submit(chat("cancel-me", "Tell a long story.", 1500, ignore_eos=True))
    deadline = time.monotonic() + 60
    while vllm_engine.unfinished_requests() == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert vllm_engine.unfinished_requests() == 1
    assert future.cancel()
    with pytest.raises(CancelledError):
        future.result()
    deadline = time.monotonic() + 30
    while vllm_engine.unfinished_requests() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert vllm_engine.unfinished_requests() == 0
    assert vllm_engine.submit(chat("next", "Say hi.")).result(300).completion_tokens > 0


def test_no_prompt_or_output_text_in_vllm_logs(vllm_engine: Any) -> None:
    """With vLLM's frontend loggers at DEBUG, neither prompt nor answer text is logged."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    vllm_logger = logging.getLogger("vllm")
    handler, level = Collect(level=logging.DEBUG), vllm_logger.level
    vllm_logger.addHandler(handler)
    vllm_logger.setLevel(logging.DEBUG)
    try:
        completion = vllm_engine.submit(chat("quiet", "Repeat: marmalade-kangaroo")).result(300)
    finally:
        vllm_logger.removeHandler(handler)
        vllm_logger.setLevel(level)
    logged = "\n".join(records)
    assert "marmalade" not in logged
    assert not completion.text.strip() or completion.text.strip()[:20] not in logged


def test_engine_process_death_fails_requests_with_engine_dead(
    engine_options: EngineOptions,
) -> None:
    """When the EngineCore dies, in-flight and new requests fail with EngineDead."""
    from workers.engine.vllm import VllmEngine

    me = psutil.Process()
    before = {p.pid for p in engine_processes(me)}
    with VllmEngine(engine_options) as engine:
        mine = [p for p in engine_processes(me) if p.pid not in before]
        core = [p for p in mine if "EngineCore" in " ".join(p.cmdline())]
        assert len(core) == 1
        in_flight = engine.submit(chat("doomed", "Tell a long story.", 1500, ignore_eos=True))
        core[0].kill()
        with pytest.raises(EngineDead):
            in_flight.result(GONE_WITHIN_SECONDS)
        with pytest.raises(EngineDead):
            engine.submit(chat("late", "Say hi.")).result(GONE_WITHIN_SECONDS)
    _, alive = psutil.wait_procs(mine, timeout=GONE_WITHIN_SECONDS)
    assert alive == []


def test_close_leaves_no_engine_process(vllm_engine: Any) -> None:
    """close() stops the EngineCore and every process it started; later submits get EngineDead.

    Runs last: it closes the session's engine.
    """
    me = psutil.Process()
    engine = engine_processes(me)
    assert engine, "the engine runs in child processes"
    vllm_engine.close()
    _, alive = psutil.wait_procs(engine, timeout=GONE_WITHIN_SECONDS)
    assert alive == []
    assert engine_processes(me) == []
    with pytest.raises(EngineDead):
        vllm_engine.submit(chat("late", "Say hi.")).result(10)
