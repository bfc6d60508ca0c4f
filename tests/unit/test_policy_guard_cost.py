"""The input guard's cost does not run away on hostile-looking text.

Its absolute cost per 2 kB prompt is a benchmark (`python -m bench --guard`, BENCHMARKS.md);
here only a ratio measured side by side in one run, which a busy machine does not skew.
"""

from __future__ import annotations

from bench.guard import added_seconds, prompt

# Dense look-alike text runs every rule; ordinary prose runs few. Measured: 1.2x-1.9x.
LOOKALIKE_RATIO_LIMIT = 3.0


def _ratio(lang: str, name: str, text: str, plain: str) -> float:
    """What the guard adds to `text` over what it adds to `plain`, each its best of five
    measurements of three rounds, the two sides taken in turn (a slow spell on a shared machine
    falls on both, and does not decide it)."""
    plain_s = text_s = float("inf")
    for _ in range(5):
        plain_s = min(plain_s, added_seconds(plain, rounds=3))
        text_s = min(text_s, added_seconds(text, rounds=3))
    ratio = text_s / plain_s
    print(f"guard on {lang}: {name} {text_s * 1e3:.2f} ms, plain {plain_s * 1e3:.2f} ms, "
          f"ratio {ratio:.2f}")
    return ratio


def test_dense_look_alike_text_costs_at_most_3x_ordinary_report_text() -> None:
    """2 kB packed with instruction words costs the guard at most 3x 2 kB of report prose."""
    for lang in ("en", "zh"):
        lookalike = prompt(lang, ("lookalike",))
        plain = prompt(lang, ("plain", "document"))
        assert _ratio(lang, "look-alike", lookalike, plain) < LOOKALIKE_RATIO_LIMIT


# Curly quotes in an English report, English sentences in a Chinese one: ordinary text that is
# not ASCII. Measured 1.10x and 1.25x; 2.5x when the pinyin reading ran over every character.
DRESSED_RATIO_LIMIT = 1.8


def test_typeset_or_mixed_text_costs_about_what_plain_text_does() -> None:
    """A report typeset with curly quotes and dashes, and a Chinese report quoting English,
    cost the guard at most 1.8x the same report in plain ASCII or plain Chinese."""
    for lang, dress in (("en", "typeset"), ("zh", "mixed")):
        dressed = prompt(lang, ("plain", "document"), dress=dress)
        plain = prompt(lang, ("plain", "document"))
        assert _ratio(lang, dress, dressed, plain) < DRESSED_RATIO_LIMIT


def test_both_prompts_are_full_size() -> None:
    """The measured prompts are 2 kB each, so the ratio compares like with like."""
    for lang in ("en", "zh"):
        assert len(prompt(lang, ("plain", "document"))) == 2048
        assert len(prompt(lang, ("lookalike",))) == 2048
    assert not prompt("en", ("plain", "document"), dress="typeset").isascii()
    mixed = prompt("zh", ("plain", "document"), dress="mixed")
    assert len(mixed) == 2048 and sum(char.isascii() for char in mixed) > 500
