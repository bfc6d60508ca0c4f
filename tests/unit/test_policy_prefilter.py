"""The rules' prefilter: what every match of a regex contains, read from its parse tree."""

from __future__ import annotations

import re

import pytest

from workers.policy.injection import RULES
from workers.policy.prefilter import condition, prefilter


@pytest.mark.parametrize(("pattern", "expected"), [
    # alternatives joined across a sequence, as long as there are few
    (r"\b(?:previous|prior) (?:user|tenant)s? (?:chat|message)",
     ("and", (("or", ("previous tenant", "previous user", "prior tenant", "prior user")),
              ("or", (" chat", " message"))))),
    # a gap of any length between two literals: both required apart
    (r"ignore[^\n]{0,40}instructions", ("and", ("ignore", "instructions"))),
    (r"(?:abc)+def", ("and", ("abc", "def"))),
    (r"[ab]cd", ("or", ("acd", "bcd"))),
    (r"忽略(?:以上|之前)", ("or", ("忽略之前", "忽略以上"))),
    (r"\bsystem\s?:", "system"),  # look-arounds and anchors read as nothing
    (r"(x)\1abc", "abc"),  # a back-reference requires nothing
    # nothing to require: an optional or a wide part, literals too short to select on, an
    # alternative with no literal, a pattern that ignores case
    (r"a?bc", None),
    (r"x\w+yz", None),
    (r"abc|\d+", None),
    (r"(?i)ignore", None),
])
def test_the_condition_names_what_every_match_contains(pattern: str, expected: object) -> None:
    assert condition(re.compile(pattern)) == expected


def test_a_prefilter_fails_only_texts_the_pattern_cannot_match() -> None:
    check = prefilter(re.compile(r"\b(?:previous|prior) (?:user|tenant)s? (?:chat|message)"))
    assert check is not None
    assert check.named() == {"previous tenant", "previous user", "prior tenant", "prior user",
                             " chat", " message"}
    assert check.holds({"prior user", " message"})
    assert not check.holds({"prior user"})  # "the prior user guide": no message, no chat
    assert not check.holds({" chat", " message"})


def test_most_english_rules_have_a_prefilter() -> None:
    """What makes the prefilter worth its pass: the rules it can skip."""
    english = [each for each in RULES if not each.spaceless]
    assert sum(each.prefilter is not None for each in english) > 0.9 * len(english)
