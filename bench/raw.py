"""The raw side: `vllm.LLM.chat` on all prompts in one call. Runs as its own process.

`python -m bench.raw IN.json OUT.json`: IN holds the engine options and the plan, OUT gets
the SideResult. A process of its own frees the engine completely when it ends.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.engine import llm_kwargs, options_from_json
from bench.plan import Plan, execute
from bench.results import Run
from bench.workload import Workload, conversation

SIDE = "raw"


class RawSide:
    """An in-process `vllm.LLM`, fed the same chats sealq's worker builds."""

    name = SIDE

    def __init__(self, llm: Any) -> None:
        self._llm = llm

    def _chat(self, indices: range, tokens: int) -> list[Any]:
        from vllm import SamplingParams

        params = SamplingParams(temperature=0.0, max_tokens=tokens, ignore_eos=True)
        chats: list[Any] = [conversation(i) for i in indices]
        return list(self._llm.chat(chats, params, use_tqdm=False))

    def batch(self, workload: Workload) -> Run:
        """All prompts in one `LLM.chat` call."""
        started = time.perf_counter()
        outputs = self._chat(workload.indices, workload.tokens)
        seconds = time.perf_counter() - started
        generated = [len(o.outputs[0].token_ids) for o in outputs]
        return Run(SIDE, workload.name, workload.jobs, workload.tokens, seconds,
                   sum(generated), sum(1 for n in generated if n > 0))

    def single(self, index: int, tokens: int) -> float:
        """One prompt in its own `LLM.chat` call."""
        started = time.perf_counter()
        self._chat(range(index, index + 1), tokens)
        return time.perf_counter() - started


def main(plan_path: Path, out_path: Path) -> None:
    """Start the engine, run the plan, write the result."""
    from vllm import LLM

    given = json.loads(plan_path.read_text())
    options = options_from_json(given["options"])
    started = time.perf_counter()
    llm = LLM(**llm_kwargs(options))
    startup = time.perf_counter() - started
    result = execute(RawSide(llm), Plan.from_json(given["plan"]), startup)
    out_path.write_text(json.dumps(result.as_json()))
    # Shut the engine down here, while the interpreter is whole: at exit vLLM's finalizers
    # can run against half-torn-down modules.
    llm.llm_engine.engine_core.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
