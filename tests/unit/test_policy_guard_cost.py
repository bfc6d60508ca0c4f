"""What the input guard costs per 2 kB prompt, against a no-guard baseline in the same run.

Best of several rounds (the machine is shared; the best round is the one not interrupted).
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from pathlib import Path

from schemas.jobs import Message
from schemas.kinds import load_kinds
from workers.policy.corpus import load_corpus, part
from workers.policy.input_guard import assess_input

CORPUS = Path(__file__).parent.parent / "corpus" / "guard.jsonl"
PROMPT_CHARS = 2048
# The budget for the guard on a 2 kB prompt.
BUDGET_SECONDS = 0.002


def _prompt(lang: str, families: tuple[str, ...]) -> str:
    """2 kB of clean tuning prompts of one language, joined as one long document."""
    texts = [e.text for e in part(load_corpus(CORPUS), "tune")
             if e.label == "clean" and e.lang == lang and e.family in families]
    return "\n\n".join(texts)[:PROMPT_CHARS]


def _best(call: Callable[[], object], number: int = 50, rounds: int = 7) -> float:
    return min(timeit.repeat(call, number=number, repeat=rounds)) / number


def _added(text: str) -> float:
    kind = load_kinds().get("free_text")
    messages = [Message(role="user", content=text)]
    # Baseline: what the worker does with the prompt anyway (opened, measured), no guard.
    baseline = _best(lambda: sum(len(m.content) for m in messages))
    return _best(lambda: assess_input(kind, messages)) - baseline


def test_guard_adds_under_2_ms_per_2_kb_report() -> None:
    """On 2 kB of ordinary report prose and documents, English or Chinese, under 2 ms."""
    for lang in ("en", "zh"):
        added = _added(_prompt(lang, ("plain", "document")))
        print(f"guard on 2 kB of {lang} report text: {added * 1e3:.2f} ms")
        assert added < BUDGET_SECONDS


def test_guard_cost_on_dense_look_alike_text_is_bounded() -> None:
    """2 kB packed with instruction words (every rule runs) stays within 3x the budget."""
    for lang in ("en", "zh"):
        added = _added(_prompt(lang, ("lookalike",)))
        print(f"guard on 2 kB of {lang} look-alike text: {added * 1e3:.2f} ms")
        assert added < 3 * BUDGET_SECONDS
