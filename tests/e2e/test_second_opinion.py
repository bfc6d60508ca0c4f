"""The optional model check on the real engine: constrained answers, and what they cost on CPU.

Runs held-out corpus documents through the embedded 135M model with and without the check's
extra request. The small model's verdicts are printed, not asserted: on CPU the check is a
cost to measure; its accuracy is for a GPU model (`sealq policy eval --help` in the README).
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from schemas.jobs import Message
from schemas.kinds import load_kinds
from workers.engine.base import Completion, GenerationRequest
from workers.policy.corpus import load_corpus, part
from workers.policy.second_opinion import CLEAN, INJECTION, MAX_TOKENS, says_injection

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).parent.parent / "corpus" / "guard.jsonl"
PER_LABEL = 16
REPORT_TOKENS = 64


def _documents() -> list[tuple[str, str]]:
    examples = part(load_corpus(CORPUS), "heldout")
    chosen = []
    for label in ("injection", "clean"):
        chosen += [(label, e.text) for e in examples if e.label == label][:PER_LABEL]
    return chosen


def _run(engine: Any, requests: list[GenerationRequest]) -> tuple[list[Completion], float]:
    started = time.perf_counter()
    futures: list[Future[Completion]] = [engine.submit(r) for r in requests]
    done = [f.result(600) for f in futures]
    return done, time.perf_counter() - started


def test_model_check_answers_one_word_and_its_cost_is_measured(vllm_engine: Any) -> None:
    """Every check answer is "injection" or "clean" in a few tokens; cost printed vs. jobs."""
    from workers.policy.engine import PolicyEngine

    policy = PolicyEngine()
    kind = load_kinds().get("report_analysis").model_copy(update={"injection_model_check": True})
    documents = _documents()
    checks = [policy.second_opinion_request(kind, [Message(role="user", content=text)],
                                            request_id=f"check-{i}")
              for i, (_, text) in enumerate(documents)]
    jobs = [GenerationRequest(f"job-{i}", policy.build_messages(
                kind, [Message(role="user", content=text)]), max_tokens=REPORT_TOKENS,
                json_schema=kind.output_schema)
            for i, (_, text) in enumerate(documents)]
    _run(vllm_engine, checks[:2])  # warm the grammar compiler for the enum schema
    answers, check_seconds = _run(vllm_engine, checks)
    _, job_seconds = _run(vllm_engine, jobs)
    words = [a.text.strip('"') for a in answers]
    assert set(words) <= {INJECTION, CLEAN}
    assert all(a.completion_tokens <= MAX_TOKENS for a in answers)
    said = [says_injection(a.text) for a in answers]
    caught = sum(s for s, (label, _) in zip(said, documents, strict=True) if label == "injection")
    flagged = sum(s for s, (label, _) in zip(said, documents, strict=True) if label == "clean")
    prompt_tokens = sum(a.prompt_tokens for a in answers) / len(answers)
    print(f"model check on {len(documents)} documents (CPU, 135M): {check_seconds:.1f} s "
          f"batched ({check_seconds / len(documents) * 1e3:.0f} ms per document, "
          f"{prompt_tokens:.0f} prompt tokens each); the same jobs at {REPORT_TOKENS} tokens: "
          f"{job_seconds:.1f} s; caught {caught}/{PER_LABEL}, flagged clean {flagged}/{PER_LABEL}")
    assert check_seconds > 0 and job_seconds > 0
