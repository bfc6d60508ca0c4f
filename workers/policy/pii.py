"""Find and redact PII with one shared presidio analyzer (no_op NLP engine, nothing downloaded)."""

from __future__ import annotations

import datetime as dt
import threading
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer import RecognizerResult as Found
from presidio_analyzer.nlp_engine import NoOpNlpEngine
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as Redaction

from schemas.kinds import Kind, TenantPattern
from workers.policy import recognizers as rec

LANGUAGE = "en"  # every recognizer here is language-agnostic; presidio still wants a tag
# Code recorded per entity type; tenant entities become pii.tenant.<name>.
CODES = {
    rec.EMAIL: "pii.email",
    rec.PHONE: "pii.phone",
    rec.CN_MOBILE: "pii.cn_mobile",
    rec.CARD: "pii.card",
    rec.IBAN: "pii.iban",
    rec.CN_ID: "pii.cn_resident_id",
}
# Entities that can hide in a bare JSON integer; phones are left out because a bare 11-digit
# integer in a report is far more often an amount than a phone number.
NUMERIC_ENTITIES = [rec.CARD, rec.CN_ID]
_PHONE_LIKE = frozenset({rec.PHONE, rec.CN_MOBILE})
_REPLACE = {"DEFAULT": OperatorConfig("replace")}  # "<ENTITY_TYPE>" in place of the value
# Joins the strings of one answer for a single scan. Every built-in pattern stops at "|" and at
# a line break; a span that crosses one anyway sends the texts it touches to a scan of their own.
SEPARATOR = "\n|\n"


def code_for(entity_type: str) -> str:
    """The short code an entity type is counted under."""
    return CODES.get(entity_type) or f"pii.tenant.{entity_type.lower()}"


def count_codes(found: Sequence[Found]) -> Counter[str]:
    """How many spans of each code."""
    return Counter(code_for(result.entity_type) for result in found)


def resolve_overlaps(found: Sequence[Found]) -> list[Found]:
    """Keep the best of overlapping spans (higher score, then longer), in text order."""
    kept: list[Found] = []
    for result in sorted(found, key=lambda r: (-r.score, r.start - r.end, r.start)):
        if all(result.end <= k.start or result.start >= k.end for k in kept):
            kept.append(result)
    return sorted(kept, key=lambda r: r.start)


class PiiScanner:
    """Finds PII spans and redacts them; build once (slow), then share between threads."""

    def __init__(self, *, today: dt.date | None = None) -> None:
        # `today` bounds plausible birth dates in resident identity numbers.
        nlp_engine = NoOpNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "no_op"}])
        nlp_engine.load()
        registry = RecognizerRegistry(supported_languages=[LANGUAGE])
        for recognizer in rec.builtin_recognizers(today=today or dt.date.today()):
            registry.add_recognizer(recognizer)
        self._analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine,
                                        supported_languages=[LANGUAGE])
        self._anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]  # unannotated
        self._tenant: dict[tuple[TenantPattern, ...], list[EntityRecognizer]] = {}
        self._tenant_lock = threading.Lock()

    def find(self, text: str, kind: Kind, *, entities: list[str] | None = None) -> list[Found]:
        """Non-overlapping PII spans in `text`, tenant patterns of `kind` included."""
        tenant = self.tenant_recognizers(kind)
        if not tenant and not _may_hold_builtin(text):
            return []  # skip presidio's overhead
        if entities is not None:
            entities = entities + [r.supported_entities[0] for r in tenant]
        return _kept(text, self._analyzer.analyze(text, language=LANGUAGE, entities=entities,
                                                  ad_hoc_recognizers=tenant or None))

    def find_each(self, texts: Sequence[str], kind: Kind) -> list[list[Found]]:
        """`find` for each of `texts` (an answer's strings), in one scan where that gives the
        same spans: presidio's fixed cost per call was most of the output policy's time."""
        if self.tenant_recognizers(kind):
            # Tenant regexes are written for one string at a time (anchors, DOTALL).
            return [self.find(text, kind) for text in texts]
        scanned = [index for index, text in enumerate(texts) if _may_hold_builtin(text)]
        found_each: list[list[Found]] = [[] for _ in texts]
        if len(scanned) < 2:
            for index in scanned:
                found_each[index] = self.find(texts[index], kind)
            return found_each
        starts, offset = [], 0
        for index in scanned:
            starts.append(offset)
            offset += len(texts[index]) + len(SEPARATOR)
        joined = SEPARATOR.join(texts[index] for index in scanned)
        spans: list[list[Found]] = [[] for _ in scanned]
        alone: set[int] = set()
        for result in self._analyzer.analyze(joined, language=LANGUAGE):
            k = bisect_right(starts, result.start) - 1
            if result.end - starts[k] > len(texts[scanned[k]]):
                alone.update(range(k, bisect_left(starts, result.end)))
                continue
            result.start -= starts[k]
            result.end -= starts[k]
            spans[k].append(result)
        for k, index in enumerate(scanned):
            text = texts[index]
            found_each[index] = self.find(text, kind) if k in alone else _kept(text, spans[k])
        return found_each

    def redact(self, text: str, found: Sequence[Found]) -> str:
        """`text` with every span replaced by its entity type in angle brackets."""
        spans = [Redaction(r.entity_type, r.start, r.end, r.score) for r in found]
        return self._anonymizer.anonymize(text, spans, operators=_REPLACE,
                                          merge_entities_with_spaces=False).text

    def tenant_recognizers(self, kind: Kind) -> list[EntityRecognizer]:
        """Recognizers for `kind`'s tenant patterns, built once per distinct pattern list."""
        key = tuple(kind.pii_patterns)
        if not key:
            return []
        with self._tenant_lock:
            if key not in self._tenant:
                self._tenant[key] = [rec.tenant_recognizer(p.name, p.regex, p.score) for p in key]
            return self._tenant[key]


def _may_hold_builtin(text: str) -> bool:
    """Every built-in entity needs a digit or an "@"."""
    return "@" in text or any(c.isdigit() for c in text)


def _kept(text: str, found: Sequence[Found]) -> list[Found]:
    """The spans that stand: amounts shaped like phone numbers dropped, overlaps resolved."""
    return resolve_overlaps([
        r for r in found
        if not (r.entity_type in _PHONE_LIKE and rec.looks_like_amount(text, r.start, r.end))
    ])
