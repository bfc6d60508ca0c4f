"""PII recognizers: recall on valid samples, nothing on checksum-invalid ones or clean reports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.kinds import Kind, load_kinds
from workers.policy import checksums
from workers.policy.engine import PolicyEngine
from workers.policy.pii import SEPARATOR, PiiScanner

CORPUS = Path(__file__).parent.parent / "corpus"
SAMPLES = [json.loads(line) for line in
           (CORPUS / "pii_samples.jsonl").read_text("utf-8").splitlines() if line]
CLEAN = [row for row in (json.loads(line) for line in
                         (CORPUS / "guard.jsonl").read_text("utf-8").splitlines() if line)
         if row["label"] == "clean"]
CODES = {"email": "pii.email", "phone": "pii.phone", "cn_mobile": "pii.cn_mobile",
         "card": "pii.card", "iban": "pii.iban", "cn_resident_id": "pii.cn_resident_id"}


@pytest.fixture(scope="module")
def engine() -> PolicyEngine:
    """One engine for the module, with a fixed `today` for birth-date plausibility."""
    return PolicyEngine(today=dt.date(2025, 1, 1))


@pytest.fixture(scope="module")
def free_text() -> Kind:
    """The built-in free_text kind (redact)."""
    return load_kinds().get("free_text")


def test_corpus_covers_every_entity_valid_and_invalid() -> None:
    """The PII corpus has valid samples of every entity and invalid ids, cards and IBANs."""
    assert {s["entity"] for s in SAMPLES if s["valid"]} == set(CODES)
    assert {s["entity"] for s in SAMPLES if not s["valid"]} == {"cn_resident_id", "card", "iban"}


def test_recall_on_valid_and_nothing_on_invalid(engine: PolicyEngine, free_text: Kind) -> None:
    """Every valid sample is redacted under its code; no invalid sample is touched."""
    valid = [s for s in SAMPLES if s["valid"]]
    invalid = [s for s in SAMPLES if not s["valid"]]
    hits, wrongly = 0, 0
    for sample in valid:
        decision = engine.check_output(free_text, sample["text"])
        if sample["value"] not in decision.text and CODES[sample["entity"]] in decision.codes:
            hits += 1
    for sample in invalid:
        decision = engine.check_output(free_text, sample["text"])
        if decision.codes or decision.text != sample["text"]:
            wrongly += 1
    print(f"PII redaction recall on valid samples: {hits / len(valid):.3f} ({hits}/{len(valid)}); "
          f"redacted invalid samples: {wrongly}/{len(invalid)}")
    assert hits == len(valid)
    assert wrongly == 0


def test_clean_reports_have_no_pii(engine: PolicyEngine, free_text: Kind) -> None:
    """Amounts, dates, order numbers and tickers in the clean corpus are never redacted."""
    false_hits = {c["text"][:30]: engine.check_output(free_text, c["text"]).codes
                  for c in CLEAN if engine.check_output(free_text, c["text"]).codes}
    print(f"PII false positives on {len(CLEAN)} clean reports: {len(false_hits)}")
    assert false_hits == {}


@settings(max_examples=150, deadline=None)
@given(amount=st.integers(min_value=1000, max_value=10**15), day=st.dates(
    min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)))
def test_grouped_amounts_and_dates_are_not_pii(engine: PolicyEngine, free_text: Kind,
                                               amount: int, day: dt.date) -> None:
    """Comma-grouped amounts and dates in ISO, European and Chinese forms are never PII."""
    text = (f"Revenue {amount:,} USD, 营收{amount:,}元 for the period ending {day.isoformat()} "
            f"({day:%d/%m/%Y}, {day.year}年{day.month}月{day.day}日, {day:%Y%m%d}).")
    assert engine.check_output(free_text, text).codes == {}


@settings(max_examples=150, deadline=None)
@given(body=st.text(alphabet="0123456789", min_size=15, max_size=15))
def test_luhn_invalid_card_numbers_are_never_cards(engine: PolicyEngine, free_text: Kind,
                                                  body: str) -> None:
    """A 16-digit Visa-shaped number whose Luhn sum is wrong is not a card."""
    number = "4" + body
    if checksums.luhn_ok(number):
        number = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert "pii.card" not in engine.check_output(free_text, f"Card {number}").codes


def test_checksums_against_known_values() -> None:
    """Luhn, ISO 7064 MOD 11-2 and IBAN MOD 97 agree with published examples."""
    today = dt.date(2025, 1, 1)
    assert checksums.luhn_ok("4111111111111111") and not checksums.luhn_ok("4111111111111112")
    assert checksums.prc_id_ok("11010519491231002X", today=today)
    assert not checksums.prc_id_ok("110105194912310021", today=today)
    assert checksums.iban_ok("GB82WEST12345698765432")
    assert not checksums.iban_ok("GB82WEST12345698765433")


def test_resident_id_needs_a_plausible_birth_date() -> None:
    """An ID with a correct check character but a birth date in the future is not an ID."""
    weights, check = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), "10X98765432"
    body = "11010520300101002"  # born 2030
    candidate = body + check[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    assert not checksums.prc_id_ok(candidate, today=dt.date(2025, 1, 1))
    assert checksums.prc_id_ok(candidate, today=dt.date(2031, 1, 1))


def test_amount_shaped_like_a_mobile_number_is_not_redacted(engine: PolicyEngine,
                                                           free_text: Kind) -> None:
    """An 11-digit figure next to a currency or unit (营收13800138000元, $13800138000) stays."""
    for text in ("营收13800138000元", "revenue $13800138000", "13800138000 yuan"):
        assert engine.check_output(free_text, text).codes == {}, text


def test_numbers_inside_chinese_text_are_found(engine: PolicyEngine, free_text: Kind) -> None:
    """A number written flush against Chinese characters is still found (no \\b needed)."""
    decision = engine.check_output(free_text, "手机13800138000身份证11010519491231002X结束")
    assert decision.codes == {"pii.cn_mobile": 1, "pii.cn_resident_id": 1}
    assert decision.text == "手机<CN_MOBILE>身份证<CN_RESIDENT_ID>结束"


@pytest.fixture(scope="module")
def scanner() -> PiiScanner:
    """A scanner with a fixed `today`."""
    return PiiScanner(today=dt.date(2025, 1, 1))


def spans(found: list[Any]) -> list[tuple[str, int, int]]:
    return [(r.entity_type, r.start, r.end) for r in found]


# An answer's strings whose PII sits at their edges, where one scan of them joined could differ.
EDGES = ["", "no digits here", "call 555", "123 4567", "13800138000", "x@example", ".com",
         "mail: ops@example.com", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "|",
         "\n", "EUR 13800138000 million", "440308199001011239", "12", "+86 138 0013 8000 x"]


def test_one_scan_of_many_strings_finds_what_a_scan_of_each_finds(
        scanner: PiiScanner, free_text: Kind) -> None:
    texts = [s["text"] for s in SAMPLES] + [r["text"] for r in CLEAN[:80]] + EDGES + EDGES[::-1]
    expected = [spans(scanner.find(text, free_text)) for text in texts]
    assert [spans(found) for found in scanner.find_each(texts, free_text)] == expected
    assert any(expected)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(EDGES + [s["value"] for s in SAMPLES]), min_size=2,
                max_size=12))
def test_one_scan_matches_per_string_scans_whatever_the_neighbours(
        scanner: PiiScanner, free_text: Kind, texts: list[str]) -> None:
    expected = [spans(scanner.find(text, free_text)) for text in texts]
    assert [spans(found) for found in scanner.find_each(texts, free_text)] == expected


def test_a_span_across_the_separator_sends_its_texts_to_scans_of_their_own(
        scanner: PiiScanner, free_text: Kind, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a span ever cross the separator, the texts it touches are scanned alone."""
    from presidio_analyzer import RecognizerResult

    texts = ["ops@example.com and", "room 1", "tail 4111 1111 1111 1111"]
    joined = SEPARATOR.join(texts)
    real = scanner._analyzer.analyze
    seen: list[str] = []

    def analyze(text: str, **kwargs: Any) -> list[RecognizerResult]:
        seen.append(text)
        found = real(text, **kwargs)
        if text == joined:  # a made-up span from the first text into the second
            found.append(RecognizerResult("EMAIL_ADDRESS", 4, len(texts[0]) + 5, 0.9))
        return found

    monkeypatch.setattr(scanner._analyzer, "analyze", analyze)
    found = scanner.find_each(texts, free_text)
    assert seen == [joined, texts[0], texts[1]]  # the third is kept from the joined scan
    assert spans(found[0]) == [("EMAIL_ADDRESS", 0, 15)]
    assert found[1] == [] and spans(found[2]) == [("CREDIT_CARD", 5, 24)]
