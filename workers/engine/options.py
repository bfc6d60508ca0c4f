"""How the engine is built: one frozen value, derived from settings with CPU or GPU defaults."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from schemas import constants
from schemas.settings import Settings
from workers.model import Device, detect_device, resolve_model

Dtype = Literal["auto", "bfloat16", "float16", "float32"]

# The embedded 135M model is trained to 8k tokens, but on 2 CPU cores longer prompts are
# too slow to be useful and a small window keeps the KV cache small.
CPU_MAX_MODEL_LEN = 2048
# Qwen2.5-7B's native window without rope scaling.
GPU_MAX_MODEL_LEN = 32768
# Tokens per engine step on CPU. vLLM's `LLM` class takes 4096 there, but on 2 cores 2048
# ran 64 x 64-token batches 5% faster (3 + 3 interleaved runs: 12.3 s vs 13.0 s) and 1-token
# batches no slower: a shorter step keeps the decoding sequences moving during prefill.
# On GPU vLLM picks its offline-batch default for the card.
CPU_MAX_NUM_BATCHED_TOKENS = 2048
# CPU features that give bfloat16 a fast path in vLLM's CPU backend (oneDNN's bf16 kernels).
# Without them vLLM logs "Failed to create oneDNN linear, fallback to torch linear" and bf16
# runs several times slower than float32 (2-core AMD EPYC, AVX2 only: 11 against 79 tok/s);
# with AMX, bf16 was twice as fast as float32 (Xeon).
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
CPUINFO = Path("/proc/cpuinfo")
# vLLM's CPU backend binds its compute threads to these cores. Left to itself ("auto") it
# keeps one core back for the frontend; on a 2-core machine that halves the engine: measured
# side by side with every core bound, raw vLLM 361 -> 498 tok/s (64 x 64 tokens) and 14.3 ->
# 25.4 jobs/s (1-token jobs), sealq 364 -> 481 tok/s, sealq/raw 1.01 -> 0.97.
OMP_THREADS_BIND = "VLLM_CPU_OMP_THREADS_BIND"


def cpu_flags(path: Path = CPUINFO) -> frozenset[str]:
    """This CPU's feature flags (Linux's /proc/cpuinfo); empty where they cannot be read."""
    try:
        text = path.read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def core_list(cores: Collection[int]) -> str:
    """Cores as vLLM's binding takes them: ranges joined by commas ("0-1", "0,2-3")."""
    ordered = sorted(cores)
    spans: list[list[int]] = []
    for core in ordered:
        if spans and core == spans[-1][1] + 1:
            spans[-1][1] = core
        else:
            spans.append([core, core])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def cpu_dtype(flags: Collection[str]) -> Dtype:
    """What `SEALQ_DTYPE=auto` means on a CPU: bfloat16 where the CPU computes it natively
    (AVX512-BF16 or AMX), float32 everywhere else."""
    return "bfloat16" if BF16_CPU_FLAGS.intersection(flags) else "float32"


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Everything needed to start one vLLM engine; no environment reading happens here."""

    #: what vLLM loads: a local folder or a hub id
    model: str
    #: the model name reported in results (the setting, not a local path)
    name: str
    device: Device
    max_model_len: int
    dtype: Dtype
    enforce_eager: bool
    max_num_seqs: int
    tensor_parallel_size: int = 1
    gpu_memory_utilization: float = 0.90
    quantization: str | None = None
    # KV cache size on CPU (GPUs size theirs from gpu_memory_utilization).
    kv_cache_gib: int = 2
    # Tokens per engine step; None lets vLLM choose its offline-batch default.
    max_num_batched_tokens: int | None = None
    # CPU: the cores vLLM binds its compute threads to (all this process may use); None on GPU.
    cpu_threads_bind: str | None = None

    def environment(self) -> dict[str, str]:
        """Variables vLLM reads at engine start for these options (a value the operator set
        in the environment wins: apply with setdefault)."""
        return {OMP_THREADS_BIND: self.cpu_threads_bind} if self.cpu_threads_bind else {}

    @classmethod
    def from_settings(cls, settings: Settings, *, flags: Collection[str] | None = None,
                      cores: Collection[int] | None = None) -> EngineOptions:
        """CPU: the embedded model, the dtype the CPU accelerates, eager, 2k window, every
        core. GPU: Qwen2.5-7B (or AWQ), 32k. `flags`: the CPU's features, `cores`: the cores
        this process may run on (both read here if None)."""
        device = detect_device(settings.device)
        model = resolve_model(
            settings.model,
            device=device,
            cache_dir=settings.model_cache_dir,
            quantization=settings.quantization,
        )
        if device == "cpu":
            # Compilation takes minutes on CPU and buys little for a small model.
            enforce_eager = True if settings.enforce_eager is None else settings.enforce_eager
            dtype: Dtype = settings.dtype
            if dtype == "auto":
                dtype = cpu_dtype(cpu_flags() if flags is None else flags)
            max_model_len = settings.max_model_len or CPU_MAX_MODEL_LEN
            batched_tokens: int | None = (settings.max_num_batched_tokens
                                          or CPU_MAX_NUM_BATCHED_TOKENS)
            threads_bind: str | None = core_list(os.sched_getaffinity(0) if cores is None
                                                 else cores)
        else:
            enforce_eager = bool(settings.enforce_eager)  # CUDA graphs pay off on a GPU
            # AWQ kernels want float16; vLLM's "auto" picks what the checkpoint declares.
            keep_auto = settings.dtype != "auto" or settings.quantization
            dtype = settings.dtype if keep_auto else "bfloat16"
            max_model_len = settings.max_model_len or GPU_MAX_MODEL_LEN
            batched_tokens = settings.max_num_batched_tokens
            threads_bind = None
        if settings.model:
            name = settings.model
        elif device == "cpu":
            name = constants.CPU_DEFAULT_MODEL
        else:
            name = model
        return cls(
            model=model,
            name=name,
            device=device,
            max_model_len=max_model_len,
            dtype=dtype,
            enforce_eager=enforce_eager,
            # One sequence slot per worker thread: more could never be filled.
            max_num_seqs=settings.worker_concurrency,
            tensor_parallel_size=settings.tensor_parallel_size,
            gpu_memory_utilization=settings.gpu_memory_utilization,
            quantization=settings.quantization,
            kv_cache_gib=settings.kv_cache_gib,
            max_num_batched_tokens=batched_tokens,
            cpu_threads_bind=threads_bind,
        )
