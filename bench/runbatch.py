"""The run-batch side: `python -m vllm.entrypoints.openai.run_batch` on an OpenAI Batch file.

run_batch starts its engine inside its own wall time. Its log line "Reading batch from" is
written once the engine is up, just before the first line is read; the output file is
written once, after the last response. The bench stamps each log line as it arrives (ms
resolution, unlike vLLM's one-second log timestamps) and takes the output file's mtime:
work = mtime - "Reading batch" stamp, start-up = that stamp - process start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import processes
from bench.engine import run_batch_flags
from bench.results import Run, SideResult
from bench.workload import Workload, conversation, custom_id
from workers.engine.options import EngineOptions

SIDE = "run-batch"
WORK_STARTS = "Reading batch from"
TIMEOUT_SECONDS = 3600


def write_batch_file(path: Path, workload: Workload, model: str) -> None:
    """The workload as OpenAI Batch lines, the same chats and sampling as the other sides."""
    with path.open("w") as f:
        for i in workload.indices:
            body = {"model": model, "messages": conversation(i), "max_tokens": workload.tokens,
                    "temperature": 0, "ignore_eos": True}
            f.write(json.dumps({"custom_id": custom_id(workload, i), "method": "POST",
                                "url": "/v1/chat/completions", "body": body}) + "\n")


def run_one(options: EngineOptions, workload: Workload, workdir: Path) -> SideResult:
    """One run_batch process for one workload; its start-up reported apart from the work."""
    source, target = workdir / f"{workload.name}.in.jsonl", workdir / f"{workload.name}.out.jsonl"
    write_batch_file(source, workload, options.name)
    argv = [sys.executable, "-m", "vllm.entrypoints.openai.run_batch", "-i", str(source),
            "-o", str(target), *run_batch_flags(options)]
    stamps: dict[str, float] = {}
    log_path = workdir / f"{workload.name}.run_batch.log"
    started = time.time()
    process = processes.start(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    reader = threading.Thread(target=_stamp_lines, args=(process, log_path, stamps), daemon=True)
    reader.start()
    try:
        code = process.wait(timeout=TIMEOUT_SECONDS)
    finally:
        processes.stop_group(process)
    reader.join(timeout=30)
    if code != 0 or WORK_STARTS not in stamps:
        raise RuntimeError(f"run_batch failed ({code}); see {log_path}")
    work_started = stamps[WORK_STARTS]
    seconds = target.stat().st_mtime - work_started
    generated, succeeded = _read_output(target)
    run = Run(SIDE, workload.name, workload.jobs, workload.tokens, seconds, generated, succeeded)
    return SideResult(SIDE, startup_seconds=work_started - started, runs=[run],
                      extra={"process_seconds": time.time() - started})


def _stamp_lines(process: subprocess.Popen[bytes], log_path: Path,
                 stamps: dict[str, float]) -> None:
    assert process.stdout is not None  # opened with stdout=PIPE
    with log_path.open("wb") as log:
        for line in process.stdout:
            now = time.time()
            log.write(line)
            if WORK_STARTS.encode() in line:
                stamps.setdefault(WORK_STARTS, now)


def _read_output(path: Path) -> tuple[int, int]:
    generated = succeeded = 0
    for line in path.read_text().splitlines():
        record = json.loads(line)
        response = record.get("response") or {}
        if record.get("error") is None and response.get("status_code") == 200:
            succeeded += 1
            generated += response["body"]["usage"]["completion_tokens"]
    return generated, succeeded
