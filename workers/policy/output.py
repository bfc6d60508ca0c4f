"""The output policy: schema validation, then PII redaction inside JSON string values."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import Draft202012Validator
from presidio_analyzer import RecognizerResult as Found

from schemas.jobs import ErrorCode
from schemas.kinds import Kind
from workers.policy.pii import NUMERIC_ENTITIES, PiiScanner, count_codes
from workers.policy.verdict import Verdict, format_codes

NOT_JSON = "output.not_json"
SCHEMA_MISMATCH = "output.schema_mismatch"
# Integers this long may be card or identity numbers; shorter ones are amounts and counts.
NUMERIC_PII_MIN = 10**12


class _NotJson(ValueError):
    """The text is not one strict JSON document."""


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are Python extensions, not JSON: a back office parser would choke.
    raise _NotJson(name)


def parse_json(text: str) -> Any:
    """Strict JSON (no NaN or Infinity), or _NotJson with a content-free reason."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise _NotJson(f"{e.msg} at line {e.lineno} column {e.colno}") from None
    except RecursionError:
        raise _NotJson("nested too deeply") from None


def schema_error(schema: dict[str, Any], document: Any) -> str | None:
    """Where `document` breaks `schema` (schema path and keyword only, no values), or None."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    error = next(iter(validator.iter_errors(document)), None)
    if error is None:
        return None
    # The schema path comes from the kind, never from the output, so it is safe to record.
    where = "/".join(str(p) for p in error.relative_schema_path) or "(root)"
    return f"schema path {where} failed"


class OutputPolicy:
    """Applies a kind's output policy to one model output; thread-safe."""

    def __init__(self, scanner: PiiScanner) -> None:
        self._scanner = scanner

    def assess(self, kind: Kind, text: str) -> Verdict:
        """Judge `text` under `kind`; never raises, the Verdict says reject."""
        if kind.output_schema is None:
            found = self._scanner.find(text, kind)
            return self._decide(kind, count_codes(found),
                                lambda: self._scanner.redact(text, found), text)
        try:
            document = parse_json(text)
        except _NotJson as e:
            return Verdict("reject", {NOT_JSON: 1}, ErrorCode.SCHEMA_VIOLATION.value, str(e))
        problem = schema_error(kind.output_schema, document)
        if problem is not None:
            return Verdict("reject", {SCHEMA_MISMATCH: 1}, ErrorCode.SCHEMA_VIOLATION.value,
                           problem)
        codes: Counter[str] = Counter()
        strings: list[str] = []
        _strings_of(document, strings)
        spans_each = iter(self._scanner.find_each(strings, kind))
        redacted = self._redact_values(kind, document, spans_each, codes)
        verdict = self._decide(kind, codes, lambda: json.dumps(redacted, ensure_ascii=False), text)
        if verdict.decision == "redact" and schema_error(kind.output_schema, redacted):
            # A placeholder can break a maxLength or pattern; an invalid result is never sent.
            return Verdict("reject", verdict.codes, ErrorCode.PII_DETECTED.value,
                           f"redaction broke the schema: {format_codes(codes)}")
        return verdict

    def _decide(self, kind: Kind, codes: Counter[str], redact: Callable[[], str],
                text: str) -> Verdict:
        if not codes:
            return Verdict("accept", {}, text=text)
        if kind.pii == "reject":
            return Verdict("reject", dict(codes), ErrorCode.PII_DETECTED.value,
                           format_codes(codes))
        return Verdict("redact", dict(codes), text=redact())

    def _redact_values(self, kind: Kind, value: Any, found: Iterator[list[Found]],
                       codes: Counter[str]) -> Any:
        """A copy of a parsed JSON value with PII replaced in every string (keys untouched);
        `found` gives each string's spans, in the order `_strings_of` lists them."""
        if isinstance(value, dict):
            return {key: self._redact_values(kind, item, found, codes)
                    for key, item in value.items()}
        if isinstance(value, list):
            return [self._redact_values(kind, item, found, codes) for item in value]
        if isinstance(value, str):
            spans = next(found)
            codes.update(count_codes(spans))
            return self._scanner.redact(value, spans) if spans else value
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= NUMERIC_PII_MIN:
            spans = self._scanner.find(str(value), kind, entities=list(NUMERIC_ENTITIES))
            codes.update(count_codes(spans))
            # The number becomes a string placeholder; the schema check afterwards decides.
            return self._scanner.redact(str(value), spans) if spans else value
        return value


def _strings_of(value: Any, strings: list[str]) -> None:
    """Every string value of a parsed JSON value (keys aside), in document order."""
    if isinstance(value, dict):
        for item in value.values():
            _strings_of(item, strings)
    elif isinstance(value, list):
        for item in value:
            _strings_of(item, strings)
    elif isinstance(value, str):
        strings.append(value)
