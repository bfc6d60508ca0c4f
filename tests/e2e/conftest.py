"""The real vLLM engine on the embedded model: prepared once, started once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemas import constants
from workers.engine.options import CPU_MAX_MODEL_LEN, EngineOptions, cpu_dtype, cpu_flags
from workers.model import prepare_embedded_model


@pytest.fixture(scope="session")
def embedded_model() -> Path:
    """The converted embedded model (converted on first use, about a minute)."""
    cache_dir = Path(
        os.environ.get("SEALQ_MODEL_CACHE_DIR") or Path.home() / ".cache" / "sealq" / "models"
    )
    return prepare_embedded_model(cache_dir.expanduser())


@pytest.fixture(scope="session")
def engine_options(embedded_model: Path) -> EngineOptions:
    """CPU options for the embedded model, as a worker on this machine would use."""
    return EngineOptions(
        model=str(embedded_model),
        name=constants.CPU_DEFAULT_MODEL,
        device="cpu",
        max_model_len=CPU_MAX_MODEL_LEN,
        dtype=cpu_dtype(cpu_flags()),  # what `sealq worker` picks on this CPU
        enforce_eager=True,
        max_num_seqs=32,
        kv_cache_gib=1,
    )


@pytest.fixture(scope="session")
def vllm_engine(engine_options: EngineOptions) -> Iterator[object]:
    """ONE real engine for the whole session: starting one takes about a minute here."""
    from workers.engine.vllm import VllmEngine  # imports vLLM: only when an e2e test runs

    engine = VllmEngine(engine_options)
    try:
        yield engine
    finally:
        engine.close()
