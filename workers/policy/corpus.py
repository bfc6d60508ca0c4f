"""The labelled guard corpus: injection attempts and clean report prompts, split once.

Each JSONL line is one example: `id`, `lang` (en, zh), `label` (injection, clean), `family`,
`source`, `split` (tune, heldout) and `text`. The split was drawn once with `SPLIT_SEED` by
`draw_split` and is stored in the file; rules and the classifier are tuned on `tune` only.
`guard_fresh.jsonl`, written after that held-out part had been seen and held out until its rates
were published, is tuning data now (every line `tune`); training reads the tuning parts of both.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from schemas.errors import SpecError

Label = Literal["injection", "clean"]
Split = Literal["tune", "heldout"]
LANGUAGES = ("en", "zh")
LABELS: tuple[Label, ...] = ("injection", "clean")
INJECTION_FAMILIES = ("override", "persona", "extraction", "exfiltration", "delimiter",
                      "encoded", "indirect")
CLEAN_FAMILIES = ("plain", "lookalike", "document", "technical")
# The published seed of the one random split; changing it would leak held-out examples.
SPLIT_SEED = 20261204
HELDOUT_FRACTION = 0.4
# Examples that can never be held out honestly: those the first rules were written against
# (v1-tuned), and those written after the held-out part was first measured (v3-tuned) or
# seen (v5-tuned, look-alike report prompts written to find the rules' false positives).
ALWAYS_TUNE_SOURCES = frozenset({"v1-tuned", "v3-tuned", "v5-tuned", "v6-tuned"})


@dataclass(frozen=True)
class Example:
    """One labelled text of the corpus."""

    id: str
    lang: str
    label: Label
    family: str
    source: str
    split: Split | None
    text: str

    def __repr__(self) -> str:  # corpus texts are attacks: keep them out of test output
        return f"Example({self.id}, {self.lang}, {self.label}, {self.family}, {self.split})"


def _example(document: object) -> Example:
    if not isinstance(document, dict):
        raise ValueError("expected a JSON object")
    try:
        label, split = document["label"], document.get("split")
        text, lang, family = document["text"], document["lang"], document["family"]
    except KeyError as e:
        raise ValueError(f"missing field {e.args[0]}") from None
    if label not in LABELS:
        raise ValueError(f"label must be one of {', '.join(LABELS)}")
    if split not in (None, "tune", "heldout"):
        raise ValueError("split must be tune or heldout")
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must be a non-empty string")
    return Example(id=str(document.get("id", "")), lang=lang, label=label, family=str(family),
                   source=str(document.get("source", "")), split=split, text=text)


def load_corpus(path: Path) -> list[Example]:
    """Every example in a corpus file, or SpecError naming the first bad line."""
    try:
        raw_lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"cannot read {path}: {type(e).__name__}") from None
    examples = []
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        try:
            examples.append(_example(json.loads(raw)))
        except ValueError as e:  # json.JSONDecodeError is a ValueError; its text has no content
            raise SpecError(f"{e} ({path})", line=number) from None
    if not examples:
        raise SpecError(f"{path} has no examples")
    return examples


def draw_split(examples: Iterable[Example], *, seed: int = SPLIT_SEED,
               heldout_fraction: float = HELDOUT_FRACTION) -> dict[str, Split]:
    """The split for each id: per (language, label) stratum, ids sorted, shuffled with the
    seed, the first `heldout_fraction` held out; ALWAYS_TUNE_SOURCES stay in tune."""
    strata: dict[tuple[str, str], list[str]] = {}
    split: dict[str, Split] = {}
    for example in examples:
        if example.source in ALWAYS_TUNE_SOURCES:
            split[example.id] = "tune"
        else:
            strata.setdefault((example.lang, example.label), []).append(example.id)
    for (lang, label), ids in sorted(strata.items()):
        ids = sorted(ids)
        # A published, reproducible split, not a secret: the stdlib generator is right here.
        random.Random(f"{seed}:{lang}:{label}").shuffle(ids)  # noqa: S311
        cut = round(len(ids) * heldout_fraction)
        split.update(dict.fromkeys(ids[:cut], "heldout"))
        split.update(dict.fromkeys(ids[cut:], "tune"))
    return split


def part(examples: Sequence[Example], split: Split) -> list[Example]:
    """The examples of one split."""
    return [example for example in examples if example.split == split]
