"""What a policy check decides: a decision word, the codes that fired, never any text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from schemas.errors import PolicyRejection

Decision = Literal["accept", "flag", "redact", "reject"]


def format_codes(codes: Mapping[str, int]) -> str:
    """Codes and counts as `code=n` words, sorted: safe for messages and tables."""
    return " ".join(f"{code}={count}" for code, count in sorted(codes.items()))


@dataclass(frozen=True)
class Verdict:
    """One check's outcome; `text` is the (possibly redacted) output and is never shown."""

    decision: Decision
    codes: dict[str, int]
    # The code the job records when the decision is "reject" (e.g. "prompt_injection").
    rejection: str | None = None
    detail: str = ""
    text: str | None = field(default=None, repr=False)

    def raise_if_rejected(self) -> None:
        """Raise PolicyRejection(rejection, detail) when the decision is reject."""
        if self.rejection is not None:
            raise PolicyRejection(self.rejection, self.detail)


@dataclass(frozen=True)
class OutputDecision:
    """An output the policy lets through: the text to seal and the codes that fired."""

    text: str
    codes: dict[str, int]

    def __repr__(self) -> str:
        # The text is a result: it must never reach a log line or a traceback.
        return f"OutputDecision(text=<{len(self.text)} chars>, codes={self.codes!r})"
