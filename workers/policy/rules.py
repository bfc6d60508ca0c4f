"""Family rules: each is a code, a pattern on the normal form, and the words it needs.

A rule runs only when one of its `needs` is in the text: a need of ASCII letters must be a
whole word of the text, any other need a substring. The words and characters of the text are
collected once, so a report that names no instruction word costs set look-ups, not a regex
scan per rule. Chinese rules read the text without spaces.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

OVERRIDE = "injection.override"
PERSONA = "injection.persona"
EXTRACTION = "injection.extraction"
EXFILTRATION = "injection.exfiltration"
DELIMITER = "injection.delimiter"
ENCODED = "injection.encoded"
ADDRESSED = "injection.addressed"
RULE_CODES = (OVERRIDE, PERSONA, EXTRACTION, EXFILTRATION, DELIMITER, ENCODED, ADDRESSED)

_WORD = re.compile(r"[a-z]+")
_ASCII_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Rule:
    """One family rule; `spaceless` rules read the text with spaces removed (Chinese)."""

    code: str
    pattern: re.Pattern[str]
    # Whole ASCII words, one of which (or one of `fragments`) must occur for the rule to run.
    words: frozenset[str]
    fragments: tuple[str, ...]
    spaceless: bool = False


def rule(code: str, needs: str, pattern: str, *, spaceless: bool = False) -> Rule:
    """A rule from a space-separated list of needs and its pattern (multi-line mode)."""
    split = needs.split()
    words = frozenset(n for n in split if _ASCII_WORD.fullmatch(n))
    fragments = tuple(n for n in split if n not in words)
    return Rule(code, re.compile(pattern, re.MULTILINE), words, fragments, spaceless)


class Scan:
    """A normal-form text prepared for the rules: its words, characters and spaceless twin."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spaceless = text.replace(" ", "")
        self.words = frozenset(_WORD.findall(text))
        self.chars = frozenset(text)

    def wants(self, each: Rule) -> bool:
        """True when one of the rule's needs occurs, so its pattern is worth running."""
        if not self.words.isdisjoint(each.words):
            return True
        target = self.spaceless if each.spaceless else self.text
        # The character test is a set look-up; the substring search runs only if it passes.
        return any(fragment[0] in self.chars and fragment in target
                   for fragment in each.fragments)


def run_rules(rules: Iterable[Rule], text: str) -> Counter[str]:
    """How many times each code fires on a normal-form `text`."""
    scan = Scan(text)
    hits: Counter[str] = Counter()
    for each in rules:
        if scan.wants(each):
            count = len(each.pattern.findall(scan.spaceless if each.spaceless else text))
            if count:
                hits[each.code] += count
    return hits
