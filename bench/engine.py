"""One set of engine settings for all three sides, taken from sealq's own EngineOptions.

sealq's worker builds its engine with `workers.engine.vllm.engine_args(options)`; raw vLLM
and run_batch get the very same fields from that function, so the three can't drift apart.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from workers.engine.options import EngineOptions

# Fields of sealq's AsyncEngineArgs that shape the engine; the others only switch logging off.
SHARED_FIELDS = ("model", "served_model_name", "dtype", "max_model_len", "enforce_eager",
                 "max_num_seqs", "max_num_batched_tokens", "tensor_parallel_size",
                 "gpu_memory_utilization", "quantization", "kv_cache_memory_bytes",
                 "structured_outputs_config")
LOGGING_FIELDS = ("enable_log_requests", "disable_log_stats")


def options_to_json(options: EngineOptions) -> dict[str, Any]:
    """The options as plain JSON, to hand to a child process."""
    return dataclasses.asdict(options)


def options_from_json(data: dict[str, Any]) -> EngineOptions:
    """The inverse of `options_to_json`."""
    return EngineOptions(**data)


def shared_args(options: EngineOptions) -> dict[str, Any]:
    """The engine fields sealq sets, checked to be all of them (a new one fails loudly)."""
    from vllm.engine.arg_utils import AsyncEngineArgs

    from workers.engine.vllm import engine_args

    ours = engine_args(options)
    defaults = AsyncEngineArgs(model=ours.model)
    changed = {f.name for f in dataclasses.fields(ours)
               if getattr(ours, f.name) != getattr(defaults, f.name)}
    unknown = changed - set(SHARED_FIELDS) - set(LOGGING_FIELDS)
    if unknown:
        raise RuntimeError(f"sealq sets engine fields the bench does not pass on: {unknown}")
    return {name: getattr(ours, name) for name in SHARED_FIELDS}


def llm_kwargs(options: EngineOptions) -> dict[str, Any]:
    """Keyword arguments for `vllm.LLM` (the raw side)."""
    return {**shared_args(options), "disable_log_stats": True}


def run_batch_flags(options: EngineOptions) -> list[str]:
    """Command-line flags for `vllm.entrypoints.openai.run_batch` (the run-batch side)."""
    flags: list[str] = []
    for name, value in shared_args(options).items():
        flag = "--" + name.replace("_", "-")
        if value is None:
            continue
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            flags += [flag, json.dumps(dataclasses.asdict(value))]
        elif isinstance(value, bool):
            flags.append(flag if value else "--no-" + flag[2:])
        elif isinstance(value, list | tuple):
            flags += [flag, *map(str, value)]
        else:
            flags += [flag, str(value)]
    return [*flags, "--disable-log-stats", "--no-enable-log-requests"]
