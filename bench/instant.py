"""A `sealq worker` whose engine answers at once: what sealq itself costs per job.

`python -m bench.instant` is `sealq worker` with the vLLM engine swapped for InstantEngine;
everything else (Celery, claim under a lease, open, input guard, output policy, seal, finish,
task events) is the product's own code path. The answers are shaped like the model's: a short
analysis for free text, a full report_analysis object for the structured kind.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import Future

from schemas.cli_common import configure_logging, settings_or_exit
from workers.engine.base import Completion, Engine, EngineStats, GenerationRequest

# About what the embedded model writes for a bench prompt (no PII: nothing is redacted).
FREE_TEXT_ANSWER = (
    "Revenue rose on higher volumes while operating costs grew more slowly, so the "
    "cost-to-income ratio improved. The main risk named is margin pressure over the next two "
    "quarters; headcount was stable. Overall the quarter was solid, with the outlook "
    "depending on how quickly costs can be contained.")
REPORT_ANSWER = json.dumps({
    "summary": "Revenue grew while costs rose more slowly, improving the cost-to-income ratio. "
               "Management flags margin pressure for the next two quarters.",
    "key_figures": [
        {"name": "Net interest income", "value": "1,240", "unit": "EUR m", "period": "Q3 2025"},
        {"name": "Operating costs", "value": "775", "unit": "EUR m", "period": "Q3 2025"},
        {"name": "Cost-to-income ratio", "value": "62.5", "unit": "%", "period": "Q3 2025"},
        {"name": "Headcount", "value": "8,120", "period": "end of Q3 2025"},
    ],
    "risks": [
        {"description": "Margin pressure as deposit rates reprice", "severity": "medium"},
        {"description": "A pending regulatory review", "severity": "low"},
    ],
    "confidence": 0.8,
})
# Whitespace-separated words stand in for tokens.
PROMPT_TOKENS_PER_WORD = 1


class InstantEngine(Engine):
    """Answers every request in the submitting thread, with a finished future."""

    max_model_len = 8192
    model_name = "instant"

    def submit(self, request: GenerationRequest) -> Future[Completion]:
        """A completed future: the model-shaped answer for the request's kind."""
        text = REPORT_ANSWER if request.json_schema is not None else FREE_TEXT_ANSWER
        prompt_tokens = sum(len(m.get("content", "").split()) for m in request.messages)
        future: Future[Completion] = Future()
        future.set_result(Completion(text, "stop", prompt_tokens * PROMPT_TOKENS_PER_WORD,
                                     min(len(text.split()), request.max_tokens)))
        return future

    def stats(self) -> EngineStats:
        """Nothing queues in an engine that answers at once."""
        return EngineStats(running=0, waiting=0)

    def close(self) -> None:
        """Nothing to stop."""


def main() -> None:
    """`sealq worker` on the instant engine, configured by the same SEALQ_* settings."""
    from workers.cli import serve
    from workers.policy import PolicyEngine
    from workers.runtime import load_foundations, worker_name

    settings = settings_or_exit(None)
    configure_logging(settings.log_level)
    foundations = load_foundations(settings)
    policy = PolicyEngine()
    policy.prepare(foundations.kinds.get(name) for name in foundations.kinds.names)
    with InstantEngine() as engine:
        sys.exit(serve(settings, foundations, engine, policy, name=worker_name()))


if __name__ == "__main__":
    main()
