"""Inference engines behind one interface: vLLM for real work, a fake for unit tests.

`workers.engine.vllm` imports vLLM (seconds, and a heavy dependency), so it is not
re-exported here: import `VllmEngine` from it where the real engine is built.
"""

import os

# No usage reports from vLLM, whatever the network allows: set before vLLM is imported,
# and inherited by its engine processes.
os.environ.setdefault("VLLM_NO_USAGE_STATS", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")

from workers.engine.base import Completion, Engine, EngineStats, GenerationRequest
from workers.engine.options import EngineOptions

__all__ = ["Completion", "Engine", "EngineOptions", "EngineStats", "GenerationRequest"]
