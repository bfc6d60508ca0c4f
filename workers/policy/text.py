"""Character classes the guard counts, and the normal form injection rules match against."""

from __future__ import annotations

import re
import unicodedata

# Zero-width, joiners, word joiner, BOM, soft hyphen, invisible operators, Mongolian vowel
# separator, Hangul fillers: invisible in a viewer, visible to a tokenizer.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f"
    "\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0]"
)
# Bidi embeddings, overrides and isolates can reorder what a reviewer sees ("Trojan source").
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Unicode tag characters mirror ASCII invisibly: the "ASCII smuggling" channel.
TAG_CHARS = re.compile("[\U000e0000-\U000e007f]")
# Subdivision flags (England, Scotland, Wales) are the one legitimate use of tag characters.
TAG_FLAG = re.compile("\U0001f3f4[\U000e0030-\U000e0039\U000e0061-\U000e007a]+\U000e007f")
# C0 and C1 controls and DEL; tab, newline, carriage return, form feed and vertical tab are
# kept because text extracted from PDFs and spreadsheets carries them.
CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")

_WHITESPACE = re.compile(r"\s+")
_HIDDEN = re.compile(
    f"{INVISIBLE.pattern}|{BIDI_CONTROLS.pattern}|{TAG_CHARS.pattern}|{CONTROL_CHARS.pattern}"
)


def matchable(text: str) -> str:
    """NFKC-folded, hidden characters removed, case-folded, whitespace collapsed to one space."""
    # NFKC turns full-width letters and look-alike punctuation into plain ASCII first.
    folded = unicodedata.normalize("NFKC", text)
    return _WHITESPACE.sub(" ", _HIDDEN.sub("", folded)).casefold()


def without_spaces(text: str) -> str:
    """`matchable` text with every space removed: Chinese has none, so padding is evasion."""
    return text.replace(" ", "")
