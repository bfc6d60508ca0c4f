"""The input guard: size limit, control and invisible characters, prompt injection.

Runs on the opened request before generation; returns a Verdict (accept, flag or reject).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from schemas.jobs import ErrorCode, Message
from schemas.kinds import Kind
from workers.policy import text as chars
from workers.policy.injection import find_injections
from workers.policy.verdict import Verdict, format_codes

TOO_LONG = "input.too_long"
CONTROL = "input.control_chars"
INVISIBLE = "input.invisible_chars"
BIDI = "input.bidi_controls"
TAGS = "input.tag_chars"

# Copy-paste from office documents and PDFs leaves a few zero-width and control characters;
# past this many (plus one per thousand characters) they are an attempt to hide text.
HIDDEN_TOLERANCE = 16
HIDDEN_PER_MILLE = 1
# Request roles the injection heuristics read: the document under analysis arrives as user
# (or few-shot assistant) content; a request's own system message is the producer's voice.
SCANNED_ROLES = frozenset({"user", "assistant"})


def count_hidden(text: str) -> Counter[str]:
    """How many control, invisible, bidi-control and tag characters `text` carries."""
    found: Counter[str] = Counter()
    for code, pattern in ((CONTROL, chars.CONTROL_CHARS), (INVISIBLE, chars.INVISIBLE),
                          (BIDI, chars.BIDI_CONTROLS)):
        found[code] = len(pattern.findall(text))
    found[TAGS] = len(chars.TAG_CHARS.findall(chars.TAG_FLAG.sub("", text)))
    return +found  # drop zero counts


def assess_input(kind: Kind, messages: Sequence[Message]) -> Verdict:
    """Judge a request under `kind`'s input policy; never raises, the Verdict says reject."""
    size = sum(len(message.content) for message in messages)
    if size > kind.max_prompt_chars:
        codes = {TOO_LONG: 1}
        return Verdict("reject", codes, ErrorCode.INPUT_INVALID.value,
                       f"prompt has {size} characters, kind {kind.name} allows "
                       f"{kind.max_prompt_chars}")
    hidden: Counter[str] = Counter()
    injections: Counter[str] = Counter()
    for message in messages:
        hidden += count_hidden(message.content)
        if message.role in SCANNED_ROLES:
            injections += find_injections(message.content)
    codes = dict(hidden + injections)
    tolerance = HIDDEN_TOLERANCE + size * HIDDEN_PER_MILLE // 1000
    hidden_total = sum(hidden[code] for code in (CONTROL, INVISIBLE, BIDI))
    if hidden[TAGS] or hidden_total > tolerance:
        return Verdict("reject", codes, ErrorCode.INPUT_INVALID.value,
                       f"hidden characters beyond tolerance {tolerance}: {format_codes(hidden)}")
    if injections and kind.injection == "reject":
        return Verdict("reject", codes, ErrorCode.PROMPT_INJECTION.value,
                       format_codes(injections))
    return Verdict("flag" if codes else "accept", codes)
