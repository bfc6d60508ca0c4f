"""The `sealq` command line: producer commands here, worker-side ones found by entry point."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from producer.client import Client, pending
from schemas import constants
from schemas.cli_common import EnvFile, fail, settings_or_exit
from schemas.errors import BrokerUnavailable, ConfigError, NotFound, SealqError, SpecError
from schemas.jobs import JobState

app = typer.Typer(name="sealq", no_args_is_help=True, add_completion=False,
                  help="A sealed job queue for LLM inference.")
keys_app = typer.Typer(no_args_is_help=True,
                       help="Keys: create and rotate the master key file, shred a job.")
db_app = typer.Typer(no_args_is_help=True, help="Job database schema.")
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
err = Console(stderr=True)

EXIT_TIMEOUT = 1


def _client(env_file: Path | None) -> Client:
    settings = settings_or_exit(env_file)
    try:
        return Client.from_settings(settings)
    except ConfigError as e:
        fail(str(e), constants.EXIT_CONFIG)
    except SealqError as e:
        fail(str(e))


@contextmanager
def _errors() -> Any:
    """Turn sealq's errors into one line on stderr and an exit code."""
    try:
        yield
    except NotFound as e:
        fail(str(e))
    except SpecError as e:
        fail(str(e))
    except ConfigError as e:
        fail(str(e), constants.EXIT_CONFIG)
    except SealqError as e:
        fail(str(e))


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, disable=not err.is_terminal)


@app.command()
def submit(
    file: Annotated[Path, typer.Argument(help="OpenAI Batch-style JSONL requests.")],
    tenant: Annotated[str, typer.Option(help="Tenant the jobs belong to.")] =
        constants.DEFAULT_TENANT,
    kind: Annotated[str, typer.Option(help="Job kind: system prompt, schema, policy.")] =
        constants.DEFAULT_KIND,
    ttl: Annotated[int | None, typer.Option(
        help="Seconds until the jobs' data is erased; default SEALQ_DEFAULT_TTL_SECONDS.")] =
        None,
    env_file: EnvFile = None,
) -> None:
    """Validate, seal, store and enqueue a batch; prints the batch id last."""
    client = _client(env_file)
    with _errors(), _progress() as bar:
        task = bar.add_task("sealing", total=None)
        result = client.submit_file(file, tenant=tenant, kind=kind, ttl_seconds=ttl,
                                    progress=lambda n: bar.advance(task, n))
    client.close()
    if result.existing:
        err.print(f"already submitted: batch {result.batch_id} holds these {result.skipped} "
                  "requests; nothing new stored")
    else:
        note = f", {result.skipped} skipped (submitted before)" if result.skipped else ""
        err.print(f"stored {result.created} jobs{note}, enqueued {result.enqueued}")
        if result.broker_error:
            err.print(f"[yellow]warning:[/] {result.broker_error}; the jobs are stored and "
                      "will be enqueued by the reconciler")
    print(result.batch_id)


@app.command()
def status(
    batch: Annotated[str, typer.Argument(help="Batch id.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object keyed by state.")] =
        False,
    env_file: EnvFile = None,
) -> None:
    """Jobs per state for a batch."""
    client = _client(env_file)
    with _errors():
        counts = client.status(batch)
    if as_json:
        print(json.dumps(counts))
        return
    table = Table("state", "jobs")
    for state in JobState:
        table.add_row(state.value, str(counts[state.value]))
    Console().print(table)


@app.command()
def wait(
    batch: Annotated[str, typer.Argument(help="Batch id.")],
    timeout: Annotated[float | None, typer.Option(help="Give up after this many seconds.")] =
        None,
    env_file: EnvFile = None,
) -> None:
    """Wait until every job of the batch is finished (exit 0), or the timeout (exit 1)."""
    client = _client(env_file)
    with _errors(), _progress() as bar:
        task = bar.add_task("running", total=None)

        def show(counts: dict[str, int]) -> None:
            total = sum(counts.values())
            bar.update(task, total=total, completed=total - pending(counts))

        counts = client.wait(batch, timeout=timeout, on_poll=show)
    left = pending(counts)
    summary = ", ".join(f"{state} {n}" for state, n in counts.items() if n)
    if left:
        err.print(f"timed out with {left} jobs unfinished ({summary})")
        raise typer.Exit(EXIT_TIMEOUT)
    err.print(f"all jobs finished: {summary}")


@app.command()
def results(
    batch: Annotated[str, typer.Argument(help="Batch id.")],
    out: Annotated[Path, typer.Option(help="Output JSONL file ('-' for stdout); mode 0600.")],
    env_file: EnvFile = None,
) -> None:
    """Write the batch's decrypted results in OpenAI Batch output shape."""
    client = _client(env_file)
    with _errors():
        counts = client.status(batch)
        written = _write_results(client, batch, out)
    left = pending(counts)
    if left:
        err.print(f"{left} jobs are not finished yet; their lines are not written")
    err.print(f"wrote {written} results")


def _write_results(client: Client, batch: str, out: Path) -> int:
    written = 0
    if str(out) == "-":
        for record in client.results(batch):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
        return written
    # The results are the producer's plaintext: readable by its owner only.
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        for record in client.results(batch):
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    return written


@keys_app.command("init")
def keys_init(path: Annotated[Path, typer.Argument(help="Where to write the key file.")]) -> None:
    """Create a key file (mode 0600) with one fresh master key."""
    from schemas.keyfile import init_key_file

    with _errors():
        key_id = init_key_file(path)
    err.print(f"created {path} with primary key {key_id}")


@keys_app.command("rotate")
def keys_rotate(
    path: Annotated[Path | None, typer.Argument(help="Key file; default SEALQ_KEYS_FILE.")] =
        None,
    rewrap: Annotated[bool, typer.Option(
        help="Also re-wrap live bucket keys under the new primary (needs the key store).")] =
        False,
    env_file: EnvFile = None,
) -> None:
    """Add a new primary master key; older keys still open what they wrapped."""
    from schemas.keyfile import load_key_file, rotate_key_file

    if path is None or rewrap:
        settings = settings_or_exit(env_file)
        path = path or settings.keys_file
    with _errors():
        key_id = rotate_key_file(path)
        err.print(f"added primary key {key_id} to {path}")
        if rewrap:
            from schemas.db import make_engine, store_errors
            from schemas.keystore import KeyStore

            store = KeyStore(make_engine(settings.resolved_key_store_url), load_key_file(path),
                             bucket_seconds=settings.key_bucket_seconds)
            with store_errors("key store"):
                err.print(f"re-wrapped {store.rewrap_all()} bucket keys")


@db_app.command("upgrade")
def db_upgrade(
    env_file: EnvFile = None,
    wait: Annotated[float, typer.Option(
        min=0, help="Seconds to keep retrying a database that is not reachable yet.")] = 0,
) -> None:
    """Migrate the job database, create the key store's table, then the database users.

    With SEALQ_DB_ROLES_FILE (PostgreSQL), every role gets its own least-privilege user:
    created or updated, with exactly the grants of schemas/grants.py, on both databases.
    """
    import migrations
    from migrations.roles import apply_roles, load_role_passwords
    from schemas.db import make_engine, store_errors, wait_until_reachable
    from schemas.keyfile import load_key_file
    from schemas.keystore import KeyStore

    settings = settings_or_exit(env_file)
    with _errors():
        passwords = (load_role_passwords(settings.db_roles_file)
                     if settings.db_roles_file is not None else None)
        master = load_key_file(settings.keys_file)
        databases = {"job database": make_engine(settings.database_url, pool_size=1),
                     "key store": make_engine(settings.resolved_key_store_url, pool_size=1)}
        for what, engine in databases.items():
            wait_until_reachable(engine, what, seconds=wait)
        with store_errors():
            migrations.upgrade(settings.database_url)
        with store_errors("key store"):
            KeyStore(databases["key store"], master,
                     bucket_seconds=settings.key_bucket_seconds).create_schema()
        err.print(f"job database at revision {migrations.current(settings.database_url)}")
        if passwords is None:
            return
        for what, engine in databases.items():
            if engine.dialect.name != "postgresql":
                err.print(f"{what}: SQLite, no database users to create")
                continue
            with store_errors(what):
                report = apply_roles(engine, what, passwords, prefix=settings.db_role_prefix)
            disabled = (f"; login disabled (no password): {', '.join(report.no_login)}"
                        if report.no_login else "")
            err.print(f"{what}: users {', '.join(report.login)}{disabled}")


@app.command()
def demo(
    file: Annotated[Path, typer.Argument(help="Batch to run.")] =
        Path("examples/report-analysis.jsonl"),
    kind: Annotated[str, typer.Option(help="Job kind for the batch.")] = "report_analysis",
    home: Annotated[Path, typer.Option(help="Folder for the database, keys and logs.")] =
        Path(".sealq"),
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the batch.")] = 1800,
) -> None:
    """Run a batch end to end on the embedded default and print the decrypted results."""
    from producer.demo import run_demo

    with _errors():
        code = run_demo(file=file, kind=kind, home=home, timeout=timeout, console=Console())
    raise typer.Exit(code)


def _add_plugins() -> None:
    """Attach the worker-side commands installed beside the producer."""
    for entry in entry_points(group="sealq.commands"):
        try:
            target = entry.load()
        except ImportError:
            continue  # that side is not installed here
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=entry.name)
        else:
            app.command(entry.name)(target)


def main() -> None:
    """Console entry point."""
    _add_plugins()
    try:
        app()
    except BrokerUnavailable as e:
        fail(str(e))


@app.command()
def cancel(
    target: Annotated[str, typer.Argument(help="Batch id or job id.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object of counts.")] = False,
    env_file: EnvFile = None,
) -> None:
    """Cancel a batch's unfinished jobs, or one job; their sealed data is erased at once."""
    client = _client(env_file)
    with _errors():
        report = client.cancel(target)
    client.close()
    if as_json:
        print(json.dumps({"target": report.target, "batch": report.is_batch,
                          "cancelled": report.cancelled,
                          "already_final": report.already_final}))
        return
    what = "batch" if report.is_batch else "job"
    err.print(f"{what} {target}: cancelled {report.cancelled} jobs, "
              f"{report.already_final} had already finished")


@keys_app.command("shred")
def keys_shred(
    job: Annotated[str, typer.Argument(help="Job id whose data key to destroy.")],
    env_file: EnvFile = None,
) -> None:
    """Destroy one job's data key and sealed data now (right to erasure); cannot be undone."""
    client = _client(env_file)
    with _errors():
        report = client.shred(job)
    client.close()
    ended = "; it was unfinished and is now cancelled" if report.cancelled else ""
    err.print(f"job {job}: data key and sealed data destroyed (state {report.state}){ended}")
