"""Character classes the guard counts, and the normal form its rules and classifier read.

The normal form undoes the cheap disguises: full-width and styled letters (NFKC), look-alike
Cyrillic and Greek letters, traditional Chinese, invisible and bidi characters, case, padding
between Chinese characters, Chinese instruction words spelled in pinyin, letters spelled out
one by one, and leetspeak.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import product

from workers.policy.confusables import FOLD, LEET, LEET_L_WORDS
from workers.policy.pinyin import fold_pinyin

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

_HIDDEN = re.compile(
    f"{INVISIBLE.pattern}|{BIDI_CONTROLS.pattern}|{TAG_CHARS.pattern}|{CONTROL_CHARS.pattern}"
)
_CJK = "\u3400-\u9fff\uf900-\ufaff"
# Spaces and separators padding Chinese characters apart ("忽 略", "忽/略"): Chinese has none.
_CJK_PADDING = re.compile(f"(?<=[{_CJK}])[ /|·・_*.\\-]+(?=[{_CJK}])")
# Four or more single letters joined by one repeated separator: "d-i-s-r-e-g-a-r-d", "i g n o r e".
_SPELLED = re.compile(r"(?<![a-z0-9])[a-z](?:([ .\-_*])[a-z])(?:\1[a-z]){2,}(?![a-z0-9])")
# The cheap test for the above (no look-behind, so the regex engine can skip ahead).
_MAYBE_SPELLED = re.compile(r"[a-z]([ .\-_*])[a-z]\1[a-z]\1[a-z]")
# A digit beside a letter: inside a leetspeak candidate ("1gn0r3", "fy2023"). (Starting at
# the digit lets the regex engine skip ahead to digits, rare in prose: a third of the time of
# trying a letter-or-digit pair at every character.)
_LETTER_DIGIT = re.compile(r"[0-9](?:(?<=[a-z][0-9])|(?=[a-z]))")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_LEET_DIGITS = frozenset(chr(code) for code in LEET)
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
_FOLDABLE = re.compile(f"[{''.join(chr(c) for c in FOLD)}]")


def _unspell(match: re.Match[str]) -> str:
    return match.group().replace(match.group(1), "")


def _unleet(text: str) -> str:
    """Words mixing letters and digits, with at least as many letters or only digits that
    stand for letters ("1n57ruc710n5", not "fy2023"), read as letters."""
    parts, done, at = [], 0, 0
    # Each word once, however many letter-digit meetings it holds (a hex ID holds dozens).
    while (match := _LETTER_DIGIT.search(text, at)) is not None:
        start = match.start()
        while start > 0 and text[start - 1] in _WORD_CHARS:
            start -= 1
        end = match.end()
        while end < len(text) and text[end] in _WORD_CHARS:
            end += 1
        at = end
        word = text[start:end]
        digits = [char for char in word if char.isdigit()]
        if len(word) >= 3 and (len(word) >= 2 * len(digits) or _LEET_DIGITS.issuperset(digits)):
            parts += [text[done:start], _read_ones(word.translate(LEET), word)]
            done = end
    return "".join([*parts, text[done:]]) if parts else text


def _read_ones(read: str, word: str) -> str:
    """`read` (the leetspeak `word` read with every 1 as i), with the 1s read as l instead
    where that spells one of LEET_L_WORDS."""
    ones = [at for at, char in enumerate(word) if char == "1"]
    if not ones or len(ones) > 4:
        return read
    for letters in product("il", repeat=len(ones)):
        chars = list(read)
        for at, letter in zip(ones, letters, strict=True):
            chars[at] = letter
        if (candidate := "".join(chars)) in LEET_L_WORDS:
            return candidate
    return read


def _collapse(text: str) -> str:
    """One space between words, no blank lines, no space at either end of a line."""
    return "\n".join(line for line in (" ".join(raw.split()) for raw in text.split("\n")) if line)


def _nfkc(text: str) -> str:
    # Full-width forms are most of what Chinese text needs folded; swapping them first lets
    # the cheap is_normalized check skip the full NFKC pass (a third of a millisecond per 2 kB).
    if _FULL_WIDTH.search(text):
        text = _FULL_WIDTH.sub(_narrow, text)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def _narrow(match: re.Match[str]) -> str:
    char = match.group()
    return " " if char == "\u3000" else chr(ord(char) - 0xFEE0)


def _fold(match: re.Match[str]) -> str:
    return match.group().translate(FOLD)


def unhidden(text: str) -> str:
    """NFKC form with hidden characters removed, case kept (encodings are case-sensitive)."""
    return _HIDDEN.sub("", _nfkc(text))


def normalise(text: str) -> str:
    """The guard's normal form: folded, hidden characters gone, lower case, one space between
    words, newlines kept (they mark turns and headers), no padding inside Chinese."""
    return normal_form(unhidden(text))


def normal_form(clean: str) -> str:
    """normalise() of a text already unhidden()."""
    folded = _FOLDABLE.sub(_fold, clean.casefold())
    if _MAYBE_SPELLED.search(folded):  # before collapsing: double spaces still separate words
        folded = _SPELLED.sub(_unspell, folded)
    folded = _collapse(folded)
    if not folded.isascii():
        folded = _CJK_PADDING.sub("", fold_pinyin(folded))
    return _unleet(folded) if _LETTER_DIGIT.search(folded) else folded


# Chat-template tokens named, not used: a template shown empty ("<|im_start|>system ...
# <|im_end|>", in a question about what those tokens are), or a token named in a sentence
# ("the tokens <|im_start|> and <|im_end|> do", "<|im_start|>和<|im_end|>是干什么的").
_EMPTY_TEMPLATE = re.compile(
    r"<\|[a-z_]{1,30}\|> ?(?:system|user|assistant|developer|tool)? ?(?:\.\.\.|…) ?"
    r"<\|[a-z_]{1,30}\|>")
_NAMED_TOKEN = re.compile(
    r"<\|[a-z_]{1,30}\|>(?= ?(?:and|or|tokens?|do|does|are|is|mean|means|marks?)\b|"
    r" ?[,、和与及或)\uff09是这的])")


def without_named_templates(text: str) -> str:
    """Normal-form text without the chat templates and tokens it only names."""
    if "<|" not in text:
        return text
    return _NAMED_TOKEN.sub("", _EMPTY_TEMPLATE.sub("", text))


def without_spaces(text: str) -> str:
    """Normal-form text with every space removed, for rules that read Chinese."""
    return text.replace(" ", "")


def merged_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """[start, end) spans sorted, overlapping or touching ones merged."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
