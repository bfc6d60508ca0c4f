"""PolicyEngine: the one object the worker holds to guard inputs and police outputs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from schemas.errors import ConfigError, PolicyRejection
from schemas.jobs import ErrorCode, Message
from schemas.kinds import Kind
from workers.engine.base import GenerationRequest
from workers.policy.classifier import shipped_model
from workers.policy.input_guard import assess_input
from workers.policy.second_opinion import MODEL, says_injection, second_opinion_request
from workers.policy.verdict import OutputDecision, Verdict

if TYPE_CHECKING:
    from workers.policy.output import OutputPolicy


class PolicyEngine:
    """Input guard and output policy for every kind; build once per process, share freely."""

    def __init__(self, *, today: dt.date | None = None) -> None:
        # presidio is imported here, not at module level: importing it takes seconds, and
        # `import workers.policy` (the CLI's input mode, the `sealq` front) must stay cheap.
        from workers.policy.output import OutputPolicy
        from workers.policy.pii import PiiScanner

        self._output: OutputPolicy = OutputPolicy(PiiScanner(today=today))
        # Loaded now, so a damaged model file stops the worker at start, not its first job.
        shipped_model()

    def prepare(self, kinds: Iterable[Kind]) -> None:
        """Compile every kind's tenant patterns now (presidio's `regex` engine, not `re`);
        ConfigError names the kind."""
        for kind in kinds:
            try:
                self._output.assess(kind.model_copy(update={"output_schema": None}), "")
            except Exception as e:  # any failure here is a bad kind definition
                raise ConfigError(f"kind {kind.name}: cannot be prepared "
                                  f"({type(e).__name__})") from e

    def build_messages(self, kind: Kind, messages: Sequence[Message]) -> list[dict[str, str]]:
        """The kind's system prompt as its own message, then the request's messages as-is."""
        # Separate roles, never one concatenated string: the template marks whose words are whose.
        return [{"role": "system", "content": kind.system_prompt},
                *({"role": m.role, "content": m.content} for m in messages)]

    def assess_input(self, kind: Kind, messages: Sequence[Message]) -> Verdict:
        """The input guard's verdict (accept, flag or reject); never raises."""
        return assess_input(kind, messages)

    def check_input(self, kind: Kind, messages: Sequence[Message]) -> dict[str, int]:
        """Codes that fired with their counts, or PolicyRejection (prompt_injection,
        input_invalid)."""
        verdict = assess_input(kind, messages)
        verdict.raise_if_rejected()
        return verdict.codes

    def second_opinion_request(self, kind: Kind, messages: Sequence[Message], *,
                               request_id: str) -> GenerationRequest:
        """The engine request asking whether the document is an injection (for kinds with
        injection_model_check)."""
        return second_opinion_request(messages, request_id=request_id)

    def check_second_opinion(self, kind: Kind, answer: str) -> dict[str, int]:
        """{injection.model: 1} when the model says injection (PolicyRejection if the kind
        rejects injections), else nothing."""
        if not says_injection(answer):
            return {}
        if kind.injection == "reject":
            raise PolicyRejection(ErrorCode.PROMPT_INJECTION.value, f"{MODEL}=1")
        return {MODEL: 1}

    def assess_output(self, kind: Kind, text: str) -> Verdict:
        """The output policy's verdict (accept, redact or reject); never raises."""
        return self._output.assess(kind, text)

    def check_output(self, kind: Kind, text: str) -> OutputDecision:
        """The text to seal and its codes, or PolicyRejection (schema_violation, pii_detected)."""
        verdict = self._output.assess(kind, text)
        verdict.raise_if_rejected()
        if verdict.text is None:  # only rejections carry no text
            raise PolicyRejection("schema_violation", "output policy produced no text")
        return OutputDecision(verdict.text, verdict.codes)
