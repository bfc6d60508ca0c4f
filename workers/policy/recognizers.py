"""Presidio recognizers for the PII sealq redacts; checksums live in `checksums`.

Patterns use digit and letter look-arounds instead of `\\b`: in "手机13800138000" there is
no word boundary between 机 and 1, so `\\b` would miss every number written inside Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from presidio_analyzer import EntityRecognizer, LocalRecognizer, Pattern, PatternRecognizer
from presidio_analyzer import RecognizerResult as Result
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from workers.policy import checksums

EMAIL = "EMAIL_ADDRESS"
PHONE = "PHONE_NUMBER"
CN_MOBILE = "CN_MOBILE"
CARD = "CREDIT_CARD"
IBAN = "IBAN_CODE"
CN_ID = "CN_RESIDENT_ID"

# Case matters for IBANs and nothing here needs DOTALL; presidio's default adds IGNORECASE.
# (presidio compiles with the `regex` module, whose flag values equal the stdlib's.)
FLAGS = re.MULTILINE
# Phone regions python-phonenumbers validates against. IN and BR are left out on purpose:
# with them, any bare 10-digit amount ("3456789012") passes as a phone number.
PHONE_REGIONS = ("CN", "HK", "TW", "SG", "US", "GB", "DE", "FR", "JP")
# A phone-shaped number right after a currency sign or right before a unit is an amount.
_AMOUNT_BEFORE = re.compile(r"(?:[¥$€£]|rmb|cny|usd|hkd|eur|gbp)\s?$", re.I)
_AMOUNT_AFTER = re.compile(
    r"^\s?(?:元|万|亿|千|百|%|yuan|rmb|cny|usd|hkd|dollars?|units|shares)", re.I
)


def looks_like_amount(text: str, start: int, end: int) -> bool:
    """True when the span follows a currency sign or precedes a unit, as amounts do."""
    return bool(_AMOUNT_BEFORE.search(text[max(0, start - 4):start])
                or _AMOUNT_AFTER.match(text[end:end + 8]))


class EmailRecognizer(PatternRecognizer):
    """Email addresses with an ASCII local part and a dotted domain (no TLD list lookup)."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity=EMAIL, global_regex_flags=FLAGS,
            patterns=[Pattern("email", r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}"
                              r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                              r"[A-Za-z]{2,24}(?![A-Za-z0-9-])", 0.9)],
        )


class CnMobileRecognizer(PatternRecognizer):
    """Mainland China mobile numbers: 1[3-9]x xxxx xxxx, optionally +86 or 0086 first."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity=CN_MOBILE, global_regex_flags=FLAGS,
            patterns=[Pattern("cn_mobile", r"(?<![0-9+])(?:(?:\+|00)86[ -]?)?1[3-9][0-9]"
                              r"(?:[ -]?[0-9]{4}){2}(?![0-9])", 0.7)],
        )


class CardRecognizer(PatternRecognizer):
    """Bank and credit card numbers: 13-19 digits, a card network prefix, a valid Luhn sum."""

    def __init__(self, *, today: dt.date) -> None:
        self._today = today
        super().__init__(
            supported_entity=CARD, global_regex_flags=FLAGS,
            patterns=[Pattern("card", r"(?<![0-9])(?:[0-9]{4}(?:[ -][0-9]{4}){3}"
                              r"(?:[ -]?[0-9]{1,3})?|[0-9]{4}[ -][0-9]{6}[ -][0-9]{4,5}"
                              r"|[0-9]{13,19})(?![0-9])", 0.5)],
        )

    def validate_result(self, pattern_text: str) -> bool:
        """Luhn-valid card number, and not an 18-digit PRC ID (which its own checksum judges)."""
        digits = pattern_text.replace(" ", "").replace("-", "")
        if len(set(digits)) == 1 or not checksums.card_iin_ok(digits):
            return False
        if checksums.prc_id_shaped(digits, today=self._today):
            return False
        return checksums.luhn_ok(digits)


class CnResidentIdRecognizer(PatternRecognizer):
    """PRC resident identity numbers: region, birth date, sequence, MOD 11-2 check character."""

    def __init__(self, *, today: dt.date) -> None:
        self._today = today
        super().__init__(
            supported_entity=CN_ID, global_regex_flags=FLAGS,
            patterns=[Pattern("cn_resident_id", r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])", 0.5)],
        )

    def validate_result(self, pattern_text: str) -> bool:
        """Passes the region, birth-date and checksum tests."""
        return checksums.prc_id_ok(pattern_text, today=self._today)


class IbanRecognizer(LocalRecognizer):
    """IBANs, compact or in groups of four; the longest MOD-97-valid prefix wins, so a word
    in capitals after the number doesn't spoil the match."""

    _CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}"
                               r"|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?![a-z0-9])")

    def __init__(self) -> None:
        super().__init__(supported_entities=[IBAN])

    def load(self) -> None:
        """Nothing to load."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Result]:
        """Every valid IBAN in `text`."""
        results = []
        for match in self._CANDIDATE.finditer(text):
            found = match.group()
            while found:
                if checksums.iban_ok(found.replace(" ", "")):
                    start = match.start()
                    results.append(Result(IBAN, start, start + len(found), 1.0,
                                          recognition_metadata=self._metadata()))
                    break
                found = found[:found.rfind(" ")] if " " in found else ""
        return results

    def _metadata(self) -> dict[str, str]:
        return {Result.RECOGNIZER_NAME_KEY: type(self).__name__,
                Result.RECOGNIZER_IDENTIFIER_KEY: self.id}


class FastPhoneRecognizer(PhoneRecognizer):
    """presidio's phonenumbers-based recognizer, skipped on text with no 7-digit run."""

    # Seven digits joined only by phone separators; "12,345,678" and "FY2023" don't qualify.
    _DIGIT_RUN = re.compile(r"[0-9](?:[\s()./-]{0,3}[0-9]){6}")

    def __init__(self) -> None:
        super().__init__(supported_regions=PHONE_REGIONS)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Result]:
        """Phone numbers in `text`; phonenumbers tries every region, so it runs only if needed."""
        if not self._DIGIT_RUN.search(text):
            return []
        found: list[Result] = super().analyze(text, entities, nlp_artifacts)
        return found


def tenant_recognizer(name: str, pattern: str, score: float) -> PatternRecognizer:
    """A recognizer for one tenant pattern; the regex is used as written (no added flags)."""
    return PatternRecognizer(supported_entity=name, name=f"tenant:{name}",
                             patterns=[Pattern(name.lower(), pattern, score)],
                             global_regex_flags=0)


def builtin_recognizers(*, today: dt.date) -> list[EntityRecognizer]:
    """One instance of every built-in recognizer."""
    return [EmailRecognizer(), CnMobileRecognizer(), CardRecognizer(today=today),
            CnResidentIdRecognizer(today=today), IbanRecognizer(),
            FastPhoneRecognizer()]
