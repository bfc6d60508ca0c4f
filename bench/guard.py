"""What the input guard adds per 2 kB prompt, against a no-guard baseline in the same run.

Best of several rounds per measurement (the machine is shared; the best round is the one not
interrupted). The prompts are the clean tuning part of the guard corpus, joined to 2 kB:
ordinary report prose and documents, look-alike text packed with instruction words (every
rule runs on it), English typeset (curly quotes, dashes: no longer ASCII) and Chinese quoting
English.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from pathlib import Path

from schemas.jobs import Message
from schemas.kinds import load_kinds
from workers.policy.corpus import load_corpus, part
from workers.policy.input_guard import assess_input

CORPUS = Path(__file__).parents[1] / "tests" / "corpus" / "guard.jsonl"
PROMPT_CHARS = 2048
# The guard's budget on a 2 kB report prompt, in milliseconds.
BUDGET_MS = 2.0
# What each figure measures: (language, corpus families, how the text is dressed).
SIDES = {
    "en": ("en", ("plain", "document"), "as written"),
    "zh": ("zh", ("plain", "document"), "as written"),
    "lookalike_en": ("en", ("lookalike",), "as written"),
    "lookalike_zh": ("zh", ("lookalike",), "as written"),
    # What a word processor makes of a report: curly quotes, dashes, euro signs.
    "typeset_en": ("en", ("plain", "document"), "typeset"),
    # A Chinese report quoting English: an English sentence after each Chinese one.
    "mixed_zh": ("zh", ("plain", "document"), "mixed"),
}
_TYPESET = str.maketrans({"'": "\u2019", '"': "\u201d", "-": "\u2013", "$": "\u20ac"})


def _clean_texts(lang: str, families: tuple[str, ...]) -> list[str]:
    return [e.text for e in part(load_corpus(CORPUS), "tune")
            if e.label == "clean" and e.lang == lang and e.family in families]


def _dressed(texts: list[str], dress: str) -> list[str]:
    if dress == "typeset":
        return [text.translate(_TYPESET) for text in texts]
    if dress == "mixed":
        english = [sentence for text in _clean_texts("en", ("plain",))
                   for sentence in text.split(". ") if len(sentence) > 40]
        return [f"{text} {english[i % len(english)].rstrip('.')}." for i, text in enumerate(texts)]
    return texts


def prompt(lang: str, families: tuple[str, ...], chars: int = PROMPT_CHARS,
           dress: str = "as written") -> str:
    """`chars` of clean tuning prompts of one language, joined as one long document (repeated
    where the corpus holds less), dressed as SIDES says."""
    document = "\n\n".join(_dressed(_clean_texts(lang, families), dress))
    return (document * (chars // len(document) + 1))[:chars]


def _best(call: Callable[[], object], number: int, rounds: int) -> float:
    return min(timeit.repeat(call, number=number, repeat=rounds)) / number


def added_seconds(text: str, *, number: int = 50, rounds: int = 7) -> float:
    """Seconds the guard adds to one prompt, over what the worker does with it anyway."""
    kind = load_kinds().get("free_text")
    messages = [Message(role="user", content=text)]
    baseline = _best(lambda: sum(len(m.content) for m in messages), number, rounds)
    return _best(lambda: assess_input(kind, messages), number, rounds) - baseline


def measure_guard(*, rounds: int = 7) -> dict[str, float]:
    """Milliseconds added per 2 kB prompt, for every side in SIDES."""
    return {name: added_seconds(prompt(lang, families, dress=dress), rounds=rounds) * 1e3
            for name, (lang, families, dress) in SIDES.items()}


def last_line(found: dict[str, float]) -> str:
    """`guard ms en=... zh=... lookalike_en=... lookalike_zh=... typeset_en=... mixed_zh=...
    budget=2.0`."""
    figures = " ".join(f"{name}={found[name]:.2f}" for name in SIDES)
    return f"guard ms {figures} budget={BUDGET_MS:.1f}"
