"""Find and redact PII with one shared presidio analyzer (no_op NLP engine, nothing downloaded)."""

from __future__ import annotations

import datetime as dt
import threading
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
        if not tenant and "@" not in text and not any(c.isdigit() for c in text):
            return []  # every built-in entity needs a digit or an "@": skip presidio's overhead
        if entities is not None:
            entities = entities + [r.supported_entities[0] for r in tenant]
        found = self._analyzer.analyze(text, language=LANGUAGE, entities=entities,
                                       ad_hoc_recognizers=tenant or None)
        return resolve_overlaps([
            r for r in found
            if not (r.entity_type in _PHONE_LIKE and rec.looks_like_amount(text, r.start, r.end))
        ])

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
