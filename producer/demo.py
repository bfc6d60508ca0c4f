"""`sealq demo`: one batch end to end on the embedded default, results printed decrypted."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

import migrations
from producer.client import Client, pending
from producer.commands.common import errors
from producer.embedded import (
    PrivateRedis,
    ensure_home,
    sealq_command,
    start_dispatcher,
    start_worker,
    write_env_file,
)
from producer.waiting import progress_display
from schemas.db import make_engine
from schemas.errors import SealqError
from schemas.keyfile import load_key_file
from schemas.keystore import KeyStore
from schemas.settings import Settings

# The tenant the demo's batch belongs to.
DEMO_TENANT = "demo"
# Worker threads for the demo: the CPU engine batches them; more buys nothing on 2 cores.
DEMO_CONCURRENCY = 16


class WorkerExited(SealqError):
    """The demo's worker stopped before the batch finished."""


def demo_command(
    file: Annotated[Path, typer.Argument(help="Batch to run.")] =
        Path("examples/report-analysis.jsonl"),
    kind: Annotated[str, typer.Option(help="Job kind for the batch.")] = "report_analysis",
    home: Annotated[Path, typer.Option(help="Folder for the database, keys and logs.")] =
        Path(".sealq"),
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the batch.")] = 1800,
) -> None:
    """Run a batch end to end on the embedded default and print the decrypted results."""
    with errors():
        code = run_demo(file=file, kind=kind, home=home, timeout=timeout, console=Console())
    raise typer.Exit(code)


def run_demo(*, file: Path, kind: str, home: Path, timeout: float, console: Console) -> int:
    """Set up, run one batch, print its results; returns the process exit code."""
    home = home.resolve()
    keys = ensure_home(home)
    console.print(f"[bold]sealq demo[/] in {home}")
    redis_server = PrivateRedis.start(home)
    worker: subprocess.Popen[bytes] | None = None
    dispatcher: subprocess.Popen[bytes] | None = None
    try:
        env = {"SEALQ_DATABASE_URL": f"sqlite:///{home / 'sealq.db'}",
               "SEALQ_BROKER_URL": redis_server.url, "SEALQ_KEYS_FILE": str(keys)}
        env_file = home / "sealq.env"
        write_env_file(env_file, env)
        settings = Settings(database_url=env["SEALQ_DATABASE_URL"],
                            broker_url=redis_server.url, keys_file=keys)
        migrations.upgrade(settings.database_url)
        KeyStore(make_engine(settings.resolved_key_store_url), load_key_file(keys),
                 bucket_seconds=settings.key_bucket_seconds).create_schema()
        console.print("• private Redis on loopback, SQLite job database, key file: ready")
        console.print("• preparing the CPU model (once; cached afterwards)")
        subprocess.run(sealq_command("model", "prepare"), check=True)
        with (home / "worker.log").open("ab") as log:
            worker = start_worker(env_file, log, DEMO_CONCURRENCY)
        with (home / "dispatcher.log").open("ab") as log:
            dispatcher = start_dispatcher(env_file, log)
        console.print(f"• worker and dispatcher started (logs: {home / 'worker.log'}, "
                      f"{home / 'dispatcher.log'})")
        client = Client.from_settings(settings)
        if client.tenants.get(DEMO_TENANT) is None:
            client.tenants.add(DEMO_TENANT, now=datetime.now(UTC))
        result = client.submit_file(file, tenant=DEMO_TENANT, kind=kind)
        console.print(f"• batch {result.batch_id}: {result.created or result.skipped} jobs "
                      f"({'submitted before, reusing' if result.existing else 'submitted'})")

        console.print("• waiting for results (the first run loads the model, ~30 s)")
        started = time.monotonic()
        serving = False

        def on_poll(counts: dict[str, int]) -> None:
            nonlocal serving
            if worker is not None and worker.poll() is not None and pending(counts):
                raise WorkerExited(f"the worker exited with code {worker.returncode}; "
                                   f"see {home / 'worker.log'}")
            if not serving and counts.get("queued", 0) < sum(counts.values()):
                serving = True
                console.print(f"• the worker is running jobs "
                              f"({time.monotonic() - started:.0f} s after submitting)")
            display.update(counts)

        with progress_display(console, "jobs done") as display:
            counts = client.wait(result.batch_id, timeout=timeout, on_poll=on_poll)
        if pending(counts):
            console.print(f"[red]timed out[/] with {pending(counts)} jobs unfinished")
            return 1
        console.print("• results, opened in memory:")
        for record in client.results(result.batch_id):
            console.print(_render(record))
        summary = ", ".join(f"{state} {n}" for state, n in counts.items() if n)
        console.print(f"[bold]done[/]: {summary}. Batch id:")
        print(result.batch_id)
        client.close()
        return 0
    finally:
        for child in (dispatcher, worker):
            if child is not None and child.poll() is None:
                child.send_signal(signal.SIGTERM)
                try:
                    child.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    child.kill()
        redis_server.stop()


def _render(record: dict[str, Any]) -> Panel:
    title = f"{record['custom_id']}  [dim]{record['sealq']['state']}[/]"
    if record["error"]:
        error = Text(record["error"]["code"], style="red")
        error.append(f": {record['error']['message']}", style="default")
        return Panel(error, title=title, title_align="left")
    content = record["response"]["body"]["choices"][0]["message"]["content"]
    with contextlib.suppress(ValueError):
        content = json.dumps(json.loads(content), indent=2, ensure_ascii=False)
    # Text, not markup: the model's answer may contain [brackets] rich would interpret.
    body = Text(content)
    if record["sealq"]["policy"]:
        body.append(f"\npolicy: {record['sealq']['policy']}", style="dim")
    return Panel(body, title=title, title_align="left")
