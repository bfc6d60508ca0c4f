"""What a regex's matches must contain, read from its parse tree: a prefilter.

A family rule runs near its needs, but most report text that holds a rule's need ("previous",
"system", "ignore") holds none of the words its pattern joins to it ("previous user's
conversation", "system override"): the regex is tried and fails. The parse tree says which
literal strings every match contains, as a condition of ANDs and ORs ("previous " or "prior ",
and "user" or "tenant", and "conversation" or "message"); one pass of an automaton lists the
literals a text holds, and a rule whose condition fails is not tried (the approach of RE2's
FilteredRE2). A condition is necessary, never sufficient: whatever the tree cannot read (a
wide character class, a back-reference, an optional part) requires nothing, so the rule is
tried as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeAlias

# Strings a part of a pattern matches exactly, as long as there are at most this many
# ("previous user", "previous users", "prior user", ...); past it, each part is required apart.
_MOST_EXACT = 16
# A character class of at most this many characters is read as its characters.
_MOST_CLASS = 4
# Read in full (spelled_out()): up to this many strings per part, classes up to this size.
_ALL_EXACT = 20000
_ALL_CLASS = 8

# A condition: None (nothing required), a literal, or ("and" | "or", conditions).
Condition: TypeAlias = str | tuple[str, tuple["Condition", ...]] | None
# What part of a pattern matches: ("exact", the strings it can match) or ("match", a condition).
_Info = tuple[str, Any]


@dataclass(frozen=True)
class _Reading:
    """How far a pattern is read: how many strings a part may spell before each piece is
    required apart, how wide a class is read as its characters, and whether an optional part
    ("(?:的)?") is read as itself or nothing (else: as requiring nothing, a break in the run)."""

    most_exact: int = _MOST_EXACT
    most_class: int = _MOST_CLASS
    optional: bool = False


_SCREEN = _Reading()
_FULL = _Reading(_ALL_EXACT, _ALL_CLASS, optional=True)


@dataclass(frozen=True)
class Prefilter:
    """A condition in the form that is quick to test against the literals a text holds: its
    literal parts as one set (one isdisjoint or issubset call), the rest as nested parts."""

    op: str  # "or" or "and"
    literals: frozenset[str]
    parts: tuple[Prefilter, ...]

    def holds(self, found: set[str]) -> bool:
        """Whether a text holding the literals `found` (all of literals(), where present) can
        match."""
        if self.op == "or":
            return not found.isdisjoint(self.literals) or any(
                part.holds(found) for part in self.parts)
        return self.literals <= found and all(part.holds(found) for part in self.parts)

    def named(self) -> set[str]:
        """Every literal the condition names (what a text is searched for)."""
        return set(self.literals).union(*(part.named() for part in self.parts))


def condition(pattern: re.Pattern[str]) -> Condition:
    """What every match of `pattern` contains; None when nothing can be told (a pattern that
    ignores case, or one the parser does not read), or only one-character literals (ASCII
    pairs too: "to" and "ai" select nothing)."""
    parser: Any = getattr(re, "_parser", None)  # (the standard library's own, not public)
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        items = list(parser.parse(pattern.pattern, pattern.flags))
    except (AttributeError, re.error, TypeError, ValueError):
        return None
    return _pruned(_condition(_sequence(items, _SCREEN)))


def spelled_out(pattern: re.Pattern[str]) -> Condition:
    """What every match of `pattern` contains, read as far as it can be: every spelling of a
    part (up to _ALL_EXACT), optional parts and all, short literals kept. Too slow to screen
    with; it tells whether a rule's needs cover every match."""
    parser: Any = getattr(re, "_parser", None)
    return _condition(_sequence(list(parser.parse(pattern.pattern, pattern.flags)), _FULL))


def prefilter(pattern: re.Pattern[str]) -> Prefilter | None:
    """condition(pattern), ready to test; None when nothing is required."""
    return _compiled(condition(pattern))


def _selective(literal: str) -> bool:
    return len(literal) >= 3 or (len(literal) == 2 and not literal.isascii())


def _pruned(cond: Condition) -> Condition:
    if cond is None or isinstance(cond, str):
        return cond if cond is not None and _selective(cond) else None
    parts = [_pruned(part) for part in cond[1]]
    return _all(parts) if cond[0] == "and" else _any(parts)


def _compiled(cond: Condition) -> Prefilter | None:
    if cond is None:
        return None
    if isinstance(cond, str):
        return Prefilter("or", frozenset({cond}), ())
    op, parts = cond
    strings = frozenset(part for part in parts if isinstance(part, str))
    nested = tuple(compiled for part in parts if not isinstance(part, str)
                   if (compiled := _compiled(part)) is not None)
    return Prefilter(op, strings, nested)


def _all(parts: list[Condition]) -> Condition:
    kept: list[Condition] = []
    for part in parts:
        if part is None:
            continue
        kept += part[1] if isinstance(part, tuple) and part[0] == "and" else [part]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else ("and", tuple(kept))


def _any(parts: list[Condition]) -> Condition:
    kept: list[Condition] = []
    for part in parts:
        if part is None:
            return None  # one alternative requires nothing: neither does the whole
        kept += part[1] if isinstance(part, tuple) and part[0] == "or" else [part]
    return kept[0] if len(kept) == 1 else ("or", tuple(kept))


def _condition(info: _Info) -> Condition:
    kind, value = info
    if kind == "exact":
        return None if "" in value else _any(sorted(value))
    return value  # type: ignore[no-any-return]


def _exact(*strings: str) -> _Info:
    return ("exact", frozenset(strings))


def _sequence(items: list[Any], reading: _Reading) -> _Info:
    """A run of items: consecutive exact parts joined into longer strings, each such run
    required apart from the others (a wide class or an optional part between them)."""
    required: list[Condition] = []
    run: frozenset[str] = frozenset({""})
    inexact = False
    for op, value in items:
        kind, found = _item(op, value, reading)
        if kind == "exact" and len(run) * len(found) <= reading.most_exact:
            run = frozenset(a + b for a in run for b in found)
            continue
        inexact = True
        required.append(_condition(("exact", run)))
        if kind == "exact":
            run = found
        else:
            required.append(found)
            run = frozenset({""})
    if not inexact:
        return ("exact", run)
    return ("match", _all([*required, _condition(("exact", run))]))


def _item(op: Any, value: Any, reading: _Reading) -> _Info:
    constants: Any = getattr(re, "_constants", None)
    if op is constants.LITERAL:
        return _exact(chr(value))
    if op in (constants.AT, constants.ASSERT, constants.ASSERT_NOT):
        return _exact("")  # zero width: matches nothing, requires nothing
    if op is constants.IN:
        return _characters(value, reading)
    if op is constants.SUBPATTERN:
        return _sequence(list(value[3]), reading)
    if op is constants.ATOMIC_GROUP:
        return _sequence(list(value), reading)
    if op is constants.BRANCH:
        branches = [_sequence(list(branch), reading) for branch in value[1]]
        if (all(kind == "exact" for kind, _ in branches)
                and sum(len(strings) for _, strings in branches) <= reading.most_exact):
            return ("exact", frozenset().union(*(strings for _, strings in branches)))
        return ("match", _any([_condition(branch) for branch in branches]))
    if op in (constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT):
        least, most, inner = value
        if least == 0 and most == 1 and reading.optional:
            kind, found = _sequence(list(inner), reading)
            return ("exact", found | {""}) if kind == "exact" else ("match", None)
        if least == 0:
            return ("match", None)
        once = _sequence(list(inner), reading)
        return once if least == most == 1 else ("match", _condition(once))
    return ("match", None)  # any character, a category, a back-reference, a conditional


def _characters(value: Any, reading: _Reading) -> _Info:
    constants: Any = getattr(re, "_constants", None)
    found: set[str] = set()
    for kind, item in value:
        if kind is constants.LITERAL:
            found.add(chr(item))
        elif kind is constants.RANGE and item[1] - item[0] < reading.most_class:
            found.update(chr(code) for code in range(item[0], item[1] + 1))
        else:  # a wide range, a category (\w, \s) or a negated set
            return ("match", None)
    return ("exact", frozenset(found)) if len(found) <= reading.most_class else ("match", None)
