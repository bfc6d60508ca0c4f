"""The guard's statistical signal: a logistic model over hashed character n-grams.

Trained by `python -m workers.policy.train` on the corpus's tuning part and shipped as JSON
(`guard_model.json`: weights per hash bucket, bias, a threshold per language), so inference
needs neither scikit-learn nor pickle: numpy hashes every n-gram of the text at once and sums
the weights, each damped by how often its n-gram repeats (sublinear term frequency; the
inverse document frequency is folded into the weights at training). Long texts are scored in
overlapping windows and the highest window counts, so one injected sentence inside a long,
genuine report is not averaged away.

The score also checks the rules: a text the model scores far below its threshold, at the
level almost no injection attempt in the tuning part reaches, reads as ordinary report text,
and a family rule's hit on it (a look-alike phrase: "pretend you're a new hire reading this")
is set aside. Decoded payloads are never set aside.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from schemas.errors import ConfigError
from workers.policy.text import merged_spans, without_named_templates

CLASSIFIER = "injection.classifier"
MODEL_FILE = "guard_model.json"
FORMAT = "sealq-guard-hashed-ngram-logistic/5"
# 2**20 buckets: n-grams of different text rarely share one; the table takes 8 MB.
BUCKET_BITS = 20
# Fibonacci hashing multiplier (2**64 / golden ratio, odd); numpy's uint64 arithmetic wraps.
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(64 - BUCKET_BITS)
# A bucket id packed above its position in the text, for one sort (texts the classifier
# reads are far shorter than 2**40 n-grams).
_POSITION_BITS = np.uint64(64 - BUCKET_BITS)
_POSITION_MASK = np.uint64((1 << (64 - BUCKET_BITS)) - 1)
# Texts with less content than this carry too few n-grams to judge ("hi", "Which code?"):
# the rules alone decide. A Chinese character counts as much as three Latin letters (a
# Chinese word is one or two characters, an English one about five letters).
MIN_CONTENT = 32
CJK_WEIGHT = 3
# A text the model may call ordinary, setting a rule's hit aside, says at least this much (about
# twenty English words or forty Chinese characters): shorter, a plain-worded order ("Kindly
# discard the earlier directives") scores low for lack of n-grams, not for looking like a report.
VETO_MIN_CONTENT = 120
# A text is judged as Chinese when this share of its non-space characters is Chinese (a
# Chinese prompt that quotes an English log or SQL is still Chinese): each language has its
# own threshold, since their clean tails differ (one threshold set by the English tail cost
# a third of the Chinese catches).
CHINESE_SHARE = 0.1
LANGUAGES = ("en", "zh")
# What GuardModel.judge says of a text.
FLAGGED, ORDINARY, UNDECIDED = "flagged", "ordinary", "undecided"


def content(text: str) -> int:
    """How much a text says: its non-space characters, Chinese ones weighted CJK_WEIGHT, as
    far as MIN_CONTENT (past it, the plain count)."""
    plain = len(text) - text.count(" ")
    if plain >= MIN_CONTENT:
        return plain  # at least this much whatever the script (the common case, and cheap)
    cjk = sum(1 for char in text if "\u3400" <= char <= "\u9fff")
    return plain - cjk + CJK_WEIGHT * cjk


def _chinese(text: str) -> int:
    """How many of the text's characters are Chinese (counted with numpy)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return int(np.count_nonzero((codes >= 0x3400) & (codes <= 0x9FFF)))


def weighted_content(text: str) -> int:
    """Non-space characters, Chinese ones weighted CJK_WEIGHT (content() without its cap)."""
    return len(text) - text.count(" ") + (CJK_WEIGHT - 1) * _chinese(text)


def language(text: str) -> str:
    """"zh" when at least CHINESE_SHARE of the text's non-space characters are Chinese, else
    "en"."""
    cjk = _chinese(text)
    return "zh" if cjk >= CHINESE_SHARE * (len(text) - text.count(" ")) and cjk else "en"


Buckets = npt.NDArray[np.uint64]


# A unit of one to eight characters said four or more times in a row ("........",
# "|---|---|---|---", "=-=-=-=-"): dot leaders, rules and table borders, which say nothing
# about intent. Read once, since the features count n-grams: a long run would otherwise weigh
# as much as a paragraph (a table of contents, or "x" * 1000, scored far above the threshold).
_REPEATS = re.compile(r"(.{1,8}?)\1{3,}", re.DOTALL)
_LONGEST_UNIT = 8


def _repeat_spans(text: str) -> list[tuple[int, int]]:
    """The stretches of `text` where some unit of up to _LONGEST_UNIT characters occurs four
    times in a row (where the text equals itself shifted by the unit's length over three
    units), widened by a unit each side and merged. Found with numpy, so that _REPEATS, half a
    millisecond on a whole 2 kB report, runs only on these."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    spans: list[tuple[int, int]] = []
    for unit in range(1, _LONGEST_UNIT + 1):
        least = 3 * unit
        if len(codes) < least + unit:
            break
        same = codes[:-unit] == codes[unit:]
        if b"\1" * least not in same.tobytes():
            continue
        edges = np.diff(np.concatenate(([0], same.view(np.int8), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        for start, end in zip(starts, ends, strict=True):
            if end - start >= least:
                spans.append((max(0, int(start) - _LONGEST_UNIT),
                              min(len(text), int(end) + unit + _LONGEST_UNIT)))
    return merged_spans(spans)


def _repeats(text: str) -> bool:
    """Whether some unit of up to _LONGEST_UNIT characters occurs four times in a row."""
    return bool(_repeat_spans(text))


def classifier_view(text: str) -> str:
    """What the classifier reads: the normal form with line breaks as spaces (how a text is
    laid out says little about intent, and the corpus's layouts must not be learnt), every
    run of a repeated unit cut to one and the chat templates it only names gone."""
    text = without_named_templates(text.replace("\n", " "))
    pieces, done = [], 0
    for start, end in _repeat_spans(text):
        pieces += [text[done:start], _REPEATS.sub(r"\1", text[start:end])]
        done = end
    return "".join(pieces) + text[done:]


def gram_total(length: int, sizes: tuple[int, ...]) -> int:
    """How many n-grams of the given sizes a text of `length` characters has."""
    return sum(max(0, length - n + 1) for n in sizes)


def bucket_ids(text: str, sizes: tuple[int, ...]) -> dict[int, Buckets]:
    """For each size n, the hash bucket of the n-gram starting at every position of `text`."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    found: dict[int, Buckets] = {}
    rolling = codes
    for n in range(1, max(sizes, default=0) + 1):
        if n > 1:
            rolling = rolling[:-1] * _MULTIPLIER + codes[n - 1:]
        if n in sizes:
            found[n] = ((rolling + np.uint64(n)) * _MULTIPLIER) >> _SHIFT
    return found


def damping(ids: Buckets) -> npt.NDArray[np.float64]:
    """Per n-gram occurrence, (1 + ln c) / c, where c is how often its bucket occurs in `ids`:
    summed over its occurrences a bucket counts 1 + ln c, not c (sublinear term frequency), so
    a word a report repeats does not outweigh one it says once. Counted by sorting each bucket
    id packed with its position (one sort, no per-bucket work)."""
    if not len(ids):
        return np.zeros(0)
    keys = np.sort((ids << _POSITION_BITS) | np.arange(len(ids), dtype=np.uint64))
    sorted_ids = keys >> _POSITION_BITS
    starts = np.empty(len(keys) + 1, dtype=bool)
    starts[0] = starts[-1] = True
    np.not_equal(sorted_ids[1:], sorted_ids[:-1], out=starts[1:-1])
    runs = np.diff(np.flatnonzero(starts))
    factors = np.empty(len(ids))
    factors[(keys & _POSITION_MASK).astype(np.intp)] = np.repeat((1.0 + np.log(runs)) / runs,
                                                                  runs)
    return factors


@dataclass(frozen=True)
class GuardModel:
    """Weights per bucket (dense), a bias and the decision thresholds on the logit for each
    language: one for a text the classifier reads whole, one for a longer text, which it
    judges by its highest-scoring window (the best of many windows of a clean document runs
    higher than one short prompt's score, so it needs a higher bar); and per language the rule
    veto, the logit below which a family rule's hit is set aside."""

    sizes: tuple[int, ...]
    table: npt.NDArray[np.float64]
    bias: float
    thresholds: dict[str, float]
    long_thresholds: dict[str, float]
    window: int
    stride: int
    rule_vetoes: dict[str, float]

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> GuardModel:
        """The model from its JSON document; ConfigError when it is not one."""
        if document.get("format") != FORMAT:
            raise ConfigError(f"guard model: expected format {FORMAT!r}")
        try:
            table = np.zeros(1 << BUCKET_BITS, dtype=np.float64)
            for bucket, weight in document["weights"].items():
                table[int(bucket)] = float(weight)
            return cls(sizes=tuple(int(n) for n in document["sizes"]), table=table,
                       bias=float(document["bias"]),
                       thresholds={lang: float(document["thresholds"][lang])
                                   for lang in LANGUAGES},
                       long_thresholds={lang: float(document["long_thresholds"][lang])
                                        for lang in LANGUAGES},
                       window=int(document["window"]), stride=int(document["stride"]),
                       rule_vetoes={lang: float(document["rule_vetoes"][lang])
                                    for lang in LANGUAGES})
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
            raise ConfigError(f"guard model: missing or malformed field ({e!r})") from None

    def logit(self, text: str) -> float:
        """The highest window's logit for a normal-form text (the whole text if short)."""
        return self._logit(classifier_view(text))

    def _logit(self, text: str) -> float:
        length = len(text)
        if not gram_total(length, self.sizes):
            return self.bias
        found = bucket_ids(text, self.sizes)
        ids = np.concatenate(list(found.values()))
        weights = self.table[ids] * damping(ids)
        if length <= self.window:
            return self.bias + float(weights.sum()) / math.sqrt(gram_total(length, self.sizes))
        # Every window's sum for every n-gram size at once, from one running total: size n's
        # n-grams sit at `first` onwards in `weights`, and a window starting at s holds those
        # starting from s to s + window - n.
        starts = np.array([*range(0, length - self.window, self.stride), length - self.window])
        prefix = np.concatenate(([0.0], np.cumsum(weights)))
        firsts = np.cumsum([0, *(len(block) for block in found.values())])[:-1]
        low = firsts[:, None] + starts[None, :]
        high = low + np.array([self.window - n + 1 for n in found])[:, None]
        sums = (prefix[high] - prefix[low]).sum(axis=0)
        scale = 1.0 / math.sqrt(gram_total(self.window, self.sizes))
        return self.bias + float(sums.max()) * scale

    def flags(self, text: str) -> bool:
        """True when what the classifier reads of a normal-form text is long enough to judge
        and scores at or above its language's threshold."""
        return self.judge(text) == FLAGGED

    def judge(self, text: str, *, vetoing: bool = True) -> str:
        """FLAGGED (at or above the threshold), ORDINARY (below the rule veto and at least
        VETO_MIN_CONTENT long: a rule's hit is set aside; only asked when `vetoing`), or
        UNDECIDED (otherwise, or too short to judge) for a normal-form text."""
        view = classifier_view(text)
        if content(view) < MIN_CONTENT:
            return UNDECIDED
        lang = language(view)
        logit = self._logit(view)
        if logit >= self.threshold(view, lang):
            return FLAGGED
        if (vetoing and logit < self.rule_vetoes[lang]
                and weighted_content(view) >= VETO_MIN_CONTENT):
            return ORDINARY
        return UNDECIDED

    def threshold(self, view: str, lang: str | None = None) -> float:
        """The threshold for what the classifier reads of a text: its language's (`lang`, when
        already known), and the higher one when the text is longer than a window."""
        thresholds = self.long_thresholds if len(view) > self.window else self.thresholds
        return thresholds[lang or language(view)]


@cache
def shipped_model() -> GuardModel:
    """The model shipped beside this module, loaded once per process."""
    raw = resources.files("workers.policy").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return GuardModel.from_json(json.loads(raw))
