"""The real engine: one vLLM AsyncLLM on an asyncio loop in a background thread.

Worker threads call `submit` concurrently; each request crosses to the loop with
`run_coroutine_threadsafe`, so vLLM sees them all at once and batches them continuously.
Request logging stays off: vLLM never sees anything it could log but token ids.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import psutil
from vllm import SamplingParams
from vllm.config import StructuredOutputsConfig
from vllm.engine.arg_utils import AsyncEngineArgs
from vllm.exceptions import VLLMError
from vllm.inputs.engine import tokens_input
from vllm.sampling_params import RequestOutputKind, StructuredOutputsParams
from vllm.usage.usage_lib import UsageContext
from vllm.v1.engine.async_llm import AsyncLLM
from vllm.v1.engine.exceptions import EngineDeadError
from vllm.v1.metrics.loggers import StatLoggerBase

from schemas.errors import EngineDead, EngineError, JobFailure
from schemas.jobs import ErrorCode
from workers.engine.base import Completion, Engine, EngineStats, GenerationRequest
from workers.engine.options import EngineOptions

log = logging.getLogger(__name__)

# In-flight requests get this long to end once close() cancels them.
CANCEL_GRACE_SECONDS = 10.0
# How often the loop checks that vLLM's engine process is alive.
DEATH_CHECK_SECONDS = 1.0
# The reaper's own exit after the pipe closes: SIGTERM grace plus margin.
REAPER_EXIT_SECONDS = 15.0


def engine_args(options: EngineOptions) -> AsyncEngineArgs:
    """vLLM's engine arguments for these options; request logging always off."""
    return AsyncEngineArgs(
        model=options.model,
        served_model_name=options.name,
        dtype=options.dtype,
        max_model_len=options.max_model_len,
        enforce_eager=options.enforce_eager,
        max_num_seqs=options.max_num_seqs,
        max_num_batched_tokens=options.max_num_batched_tokens,
        tensor_parallel_size=options.tensor_parallel_size,
        gpu_memory_utilization=options.gpu_memory_utilization,
        quantization=options.quantization,
        # On CPU the KV cache is sized explicitly; a GPU sizes it from memory utilization.
        kv_cache_memory_bytes=options.kv_cache_gib << 30 if options.device == "cpu" else None,
        # Compact JSON only. With free whitespace a small model spends its budget on newlines
        # and indentation: report_analysis answers took twice the tokens and one in eight was
        # cut at 1024 tokens. vLLM reads this flag engine-wide, from xgrammar only.
        structured_outputs_config=StructuredOutputsConfig(backend="xgrammar",
                                                          disable_any_whitespace=True),
        # Prefix caching is left to vLLM's default (on wherever the model supports it): every
        # request carries its tenant's cache_salt, so blocks are shared within a tenant only
        # (workers.cache_salt).
        enable_log_requests=False,
        # vLLM's periodic throughput log is noise here; our stat logger still gets the numbers.
        disable_log_stats=True,
    )


class _StatsRecorder(StatLoggerBase):  # type: ignore[misc]  # vLLM is Any to mypy
    """Keeps the latest scheduler numbers where `VllmEngine.stats` can read them."""

    def __init__(self, sink: _StatsSink, vllm_config: Any, engine_index: int = 0) -> None:
        self._sink = sink

    def record(
        self,
        scheduler_stats: Any,
        iteration_stats: Any,
        mm_cache_stats: Any = None,
        engine_idx: int = 0,
    ) -> None:
        self._sink.update(scheduler_stats, iteration_stats)

    def log_engine_initialized(self) -> None:
        pass


class _StatsSink:
    """Written on the loop thread, read from any thread: one immutable value swapped whole."""

    def __init__(self) -> None:
        self.current = EngineStats()
        self._generated = 0
        self._prefix_queries = 0
        self._prefix_hits = 0

    def update(self, scheduler_stats: Any, iteration_stats: Any) -> None:
        if iteration_stats is not None:
            self._generated += iteration_stats.num_generation_tokens
        if scheduler_stats is None:
            return
        # vLLM hands over the prefix cache's counts since its last report: sum them here.
        prefix = getattr(scheduler_stats, "prefix_cache_stats", None)
        if prefix is not None:
            self._prefix_queries += prefix.queries
            self._prefix_hits += prefix.hits
        self.current = EngineStats(
            running=scheduler_stats.num_running_reqs,
            waiting=scheduler_stats.num_waiting_reqs,
            kv_cache_usage=scheduler_stats.kv_cache_usage,
            generation_tokens_total=self._generated,
            prefix_cache_queries_total=self._prefix_queries,
            prefix_cache_hits_total=self._prefix_hits,
        )


def _failed(error: BaseException) -> Future[Completion]:
    future: Future[Completion] = Future()
    future.set_exception(error)
    return future


class VllmEngine(Engine):
    """vLLM behind a thread-safe `submit`; the engine process dies with this one."""

    def __init__(self, options: EngineOptions, *, collect_stats: bool = True) -> None:
        """Start the engine. Without `collect_stats` vLLM keeps no per-step statistics
        (what `stats` reports) and spends nothing on them."""
        self.model_name = options.name
        self.max_model_len = options.max_model_len
        self._closing = False
        self._dead = False
        self._watchdog: asyncio.Task[None] | None = None
        self._close_lock = threading.Lock()
        # Chat templates run in the callers' threads; one at a time, as HF tokenizers want.
        self._tokenizer_lock = threading.Lock()
        self._stats = _StatsSink()
        # Requests running on the loop; touched only from the loop thread.
        self._inflight: set[asyncio.Task[Completion]] = set()
        # Read by vLLM's engine process, which inherits this environment.
        for name, value in options.environment().items():
            os.environ.setdefault(name, value)
        children_before = {p.pid for p in psutil.Process().children()}
        self._reaper = _start_reaper()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="sealq-vllm-loop", daemon=True
        )
        self._thread.start()
        try:
            started = asyncio.run_coroutine_threadsafe(self._start(options, collect_stats),
                                                       self._loop)
            self._llm: AsyncLLM | None = started.result()
        except Exception as e:
            self._stop_loop()
            _stop_reaper(self._reaper)
            raise EngineError("the vLLM engine failed to start; see its log above") from e
        self.max_model_len = int(self._running().model_config.max_model_len)
        self._tokenizer = self._running().get_tokenizer()
        _track_engine(self._reaper, children_before)

    async def _start(self, options: EngineOptions, collect_stats: bool) -> AsyncLLM:
        # Built on the loop so vLLM's output handler starts on it at once.
        loggers = [functools.partial(_StatsRecorder, self._stats)] if collect_stats else None
        # The batch context: where a setting is left unset, vLLM picks its offline-batch
        # defaults (as for `vllm.LLM`) instead of its interactive server's.
        llm = AsyncLLM.from_engine_args(engine_args(options), stat_loggers=loggers,
                                        usage_context=UsageContext.LLM_CLASS)
        # Asked now and cached by vLLM: left to the first request, this call to the engine
        # process would hang forever if that process had died meanwhile.
        await llm.get_supported_tasks()
        self._watchdog = asyncio.create_task(self._watch(llm))
        return llm

    async def _watch(self, llm: AsyncLLM) -> None:
        # vLLM fails the requests it tracks when its engine process dies, but a request
        # caught between its steps could wait forever: fail whatever is left ourselves.
        while not llm.errored:
            await asyncio.sleep(DEATH_CHECK_SECONDS)
        self._dead = True
        for task in list(self._inflight):
            task.cancel()

    def _running(self) -> AsyncLLM:
        if self._llm is None:
            raise EngineDead("the vLLM engine is closed")
        return self._llm

    def submit(self, request: GenerationRequest) -> Future[Completion]:
        """Queue one request; the future fails with JobFailure or EngineDead, never raises here."""
        if self._closing or self._dead or self._llm is None or self._llm.errored:
            return _failed(EngineDead("the vLLM engine is closed or dead"))
        try:
            prompt_ids = self._encode(request.messages)
        except Exception:  # noqa: BLE001  # a template error may quote the prompt: drop it
            refused = JobFailure(ErrorCode.INPUT_INVALID, "chat template refused the messages")
            return _failed(refused)
        room = self.max_model_len - len(prompt_ids)
        if room <= 0:
            return _failed(JobFailure(ErrorCode.PROMPT_TOO_LONG))
        params = _sampling_params(request, max_tokens=min(request.max_tokens, room))
        # Under the close lock: a request scheduled before close() is queued on the loop ahead
        # of the shutdown, which then fails it; none is left on a stopped loop, pending forever.
        with self._close_lock:
            if self._closing:
                return _failed(EngineDead("the vLLM engine is closed"))
            coroutine = self._generate(request.request_id, prompt_ids, params,
                                       request.cache_salt)
            return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def _encode(self, messages: list[dict[str, str]]) -> list[int]:
        chat: list[Any] = list(messages)  # vLLM types messages as OpenAI's TypedDicts
        with self._tokenizer_lock:
            text = self._tokenizer.apply_chat_template(
                chat, tokenize=False, add_generation_prompt=True
            )
            assert isinstance(text, str)  # tokenize=False renders text
            # The template already wrote the special tokens as text.
            return list(self._tokenizer.encode(text, add_special_tokens=False))

    async def _generate(
        self, request_id: str, prompt_ids: list[int], params: SamplingParams,
        cache_salt: str | None,
    ) -> Completion:
        final = None
        task = asyncio.current_task()
        assert task is not None  # run_coroutine_threadsafe always wraps us in a task
        self._inflight.add(task)
        try:
            # Token ids only: vLLM never holds the prompt text, so it can never log it.
            async for output in self._running().generate(
                tokens_input(prompt_ids, cache_salt=cache_salt), params, request_id
            ):
                final = output
        except EngineDeadError as e:
            raise EngineDead("the vLLM engine process died") from e
        except asyncio.CancelledError:
            if self._closing or self._dead:
                raise EngineDead("the vLLM engine process died or was closed") from None
            raise
        except VLLMError as e:
            # vLLM's messages can quote request parameters: keep only the class name.
            log.warning("vLLM refused request %s: %s", request_id, type(e).__name__)
            raise JobFailure(ErrorCode.ENGINE_ERROR, type(e).__name__) from None
        finally:
            self._inflight.discard(task)
        if final is None or not final.outputs:
            raise JobFailure(ErrorCode.ENGINE_ERROR, "no output")
        choice = final.outputs[0]
        return Completion(
            text=choice.text,
            finish_reason=str(choice.finish_reason or "stop"),
            prompt_tokens=len(prompt_ids),
            completion_tokens=len(choice.token_ids),
        )

    def stats(self) -> EngineStats:
        """Running and waiting requests and KV cache use, as of the engine's last step
        (all unknown unless the engine was started with `collect_stats`)."""
        return self._stats.current

    def unfinished_requests(self) -> int:
        """Requests vLLM still tracks (admitted, not finished or aborted)."""
        return int(self._running().get_num_unfinished_requests())

    def close(self) -> None:
        """Fail in-flight requests with EngineDead, stop vLLM, then make sure its processes die."""
        with self._close_lock:
            if self._closing:
                return
            self._closing = True
            shutdown = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        try:
            shutdown.result(CANCEL_GRACE_SECONDS + 60)
        except Exception:  # closing must go on; the reaper kills what is left
            log.exception("vLLM shutdown failed; killing its processes")
        finally:
            self._stop_loop()
            _stop_reaper(self._reaper)

    async def _shutdown(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        requests = list(self._inflight)
        for task in requests:
            task.cancel()
        if requests:
            await asyncio.wait(requests, timeout=CANCEL_GRACE_SECONDS)
        llm, self._llm = self._llm, None
        if llm is not None:
            # Dropping our reference here, not at interpreter exit, keeps AsyncLLM.__del__ quiet.
            llm.shutdown()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        if not self._thread.is_alive():
            self._loop.close()


def _sampling_params(request: GenerationRequest, *, max_tokens: int) -> SamplingParams:
    structured = None
    if request.json_schema is not None:
        # Compact output comes from the engine's structured_outputs_config (engine_args).
        structured = StructuredOutputsParams(json=request.json_schema)
    return SamplingParams(
        max_tokens=max_tokens,
        temperature=request.temperature,
        top_p=request.top_p,
        seed=request.seed,
        stop=request.stop,
        frequency_penalty=request.frequency_penalty,
        presence_penalty=request.presence_penalty,
        ignore_eos=request.ignore_eos,
        structured_outputs=structured,
        # One output per request, at the end: no per-token streaming across the loop.
        output_kind=RequestOutputKind.FINAL_ONLY,
    )


def _start_reaper() -> subprocess.Popen[bytes]:
    # Started before the engine, so a worker killed mid-startup still has its engine reaped.
    # Run by path: the reaper needs only psutil, not sealq on sys.path.
    script = Path(__file__).with_name("reaper.py")
    return subprocess.Popen(
        [sys.executable, str(script), "--parent", str(os.getpid())],
        stdin=subprocess.PIPE,
    )


def _track_engine(reaper: subprocess.Popen[bytes], children_before: set[int]) -> None:
    engine_pids = [
        child.pid
        for child in psutil.Process().children()
        if child.pid not in children_before and child.pid != reaper.pid
    ]
    assert reaper.stdin is not None  # opened with stdin=PIPE
    reaper.stdin.write(("engine " + " ".join(map(str, engine_pids)) + "\n").encode())
    reaper.stdin.flush()


def _stop_reaper(reaper: subprocess.Popen[bytes]) -> None:
    # EOF tells the reaper to kill whatever of the engine survived the clean shutdown.
    if reaper.stdin is not None:
        reaper.stdin.close()
    try:
        reaper.wait(timeout=REAPER_EXIT_SECONDS)
    except subprocess.TimeoutExpired:
        reaper.kill()
        reaper.wait()
