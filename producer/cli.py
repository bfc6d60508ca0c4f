"""The `sealq` command line: producer commands here, worker-side ones found by entry point."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from producer.client import Client, pending
from schemas import constants
from schemas.cli_common import EnvFile, fail, forbid_core_dumps, settings_or_exit
from schemas.db import store_errors
from schemas.errors import BrokerUnavailable, ConfigError, NotFound, SealqError, SpecError
from schemas.jobs import JobState

if TYPE_CHECKING:
    from datetime import datetime

    from schemas.keystore import KeyStore
    from schemas.settings import Settings

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
    forbid_core_dumps()  # this process is about to hold keys and, for results, plaintext
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
    stage: Annotated[bool, typer.Option(
        "--stage", help="Only add a new key, not primary yet: copy the file to every host, "
                        "then promote it.")] = False,
    promote: Annotated[bool, typer.Option(
        "--promote", help="Make the newest staged key (or --key) primary.")] = False,
    key: Annotated[str | None, typer.Option(help="With --promote: the key id to promote.")] =
        None,
    rewrap: Annotated[bool, typer.Option(
        help="Also re-wrap live bucket keys under the new primary (needs the key store).")] =
        False,
    env_file: EnvFile = None,
) -> None:
    """Rotate the master key: stage a new key, promote it, or both at once (the default)."""
    from schemas.keyfile import promote_key, rotate_key_file, stage_key

    if stage and (promote or rewrap or key):
        fail("--stage only adds a key; promote it (and re-wrap) in a later run",
             constants.EXIT_CONFIG)
    if key and not promote:
        fail("--key names the key to promote; add --promote", constants.EXIT_CONFIG)
    settings = settings_or_exit(env_file) if path is None or rewrap else None
    path = path or settings.keys_file  # type: ignore[union-attr]  # set when path is None
    with _errors():
        if stage:
            key_id = stage_key(path)
            err.print(f"staged key {key_id} in {path} (not primary yet); copy the file to "
                      f"every host, then run `sealq keys rotate --promote`")
            return
        key_id = promote_key(path, key) if promote else rotate_key_file(path)
        err.print(f"primary key of {path} is now {key_id}")
        if rewrap:
            assert settings is not None  # loaded above whenever rewrap is asked
            with store_errors("key store"):
                count = _key_store(settings, path).rewrap_all()
            err.print(f"re-wrapped {count} bucket keys")


@keys_app.command("rewrap")
def keys_rewrap(env_file: EnvFile = None) -> None:
    """Re-wrap every live bucket key under the primary master key (and the newest format)."""
    settings = settings_or_exit(env_file)
    with _errors(), store_errors("key store"):
        count = _key_store(settings, settings.keys_file).rewrap_all()
    err.print(f"re-wrapped {count} bucket keys under the primary master key")


@keys_app.command("status")
def keys_status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    env_file: EnvFile = None,
) -> None:
    """Master keys in the key file and how many live bucket keys each one wraps."""
    from datetime import UTC, datetime

    settings = settings_or_exit(env_file)
    with _errors(), store_errors("key store"):
        store = _key_store(settings, settings.keys_file)
        keys = store.ring.keys
        live = store.live_by_master(now=datetime.now(UTC))
    staged = set(keys.staged())
    report = [{"id": key_id,
               "role": "primary" if key_id == keys.primary else
                       "staged" if key_id in staged else "old",
               "created_at": keys.created.get(key_id) or None,
               "live_bucket_keys": live.get(key_id, (0, None))[0],
               "last_bucket_ends": _iso(live.get(key_id, (0, None))[1])}
              for key_id in keys.ids]
    unknown = sorted(set(live) - set(keys.keys))
    if as_json:
        print(json.dumps({"keys": report, "unknown_master_keys": unknown}))
        return
    table = Table("master key", "role", "live bucket keys", "last one ends")
    for row in report:
        table.add_row(str(row["id"]), str(row["role"]), str(row["live_bucket_keys"]),
                      str(row["last_bucket_ends"] or "-"))
    Console().print(table)
    if unknown:
        err.print(f"[yellow]warning:[/] bucket keys are wrapped by master keys missing from "
                  f"this key file: {', '.join(unknown)}")


@keys_app.command("retire")
def keys_retire(
    key_id: Annotated[str, typer.Argument(help="The master key to remove from the key file.")],
    env_file: EnvFile = None,
) -> None:
    """Remove an old master key, once no live bucket key is wrapped by it."""
    from datetime import UTC, datetime

    from schemas.keyfile import retire_key

    settings = settings_or_exit(env_file)
    with _errors(), store_errors("key store"):
        store = _key_store(settings, settings.keys_file)
        if key_id == store.ring.primary:
            raise ConfigError(f"{key_id} is the primary key; promote another first")
        count, last = store.live_by_master(now=datetime.now(UTC)).get(key_id, (0, None))
        if count:
            fail(f"{key_id} still wraps {count} live bucket keys (the last ends "
                 f"{_iso(last)}); run `sealq keys rewrap` to move them under the primary, "
                 f"or wait until then")
        retire_key(settings.keys_file, key_id)
    err.print(f"retired {key_id}: removed from {settings.keys_file}; copy the file to every "
              "host")


def _key_store(settings: Settings, path: Path) -> KeyStore:
    """The key store on these settings, its master keys read from `path`."""
    from schemas.db import make_engine
    from schemas.keyring import KeyRing
    from schemas.keystore import KeyStore

    store = KeyStore(make_engine(settings.resolved_key_store_url), KeyRing.from_file(path),
                     bucket_seconds=settings.key_bucket_seconds)
    store.create_schema()
    return store


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


@db_app.command("upgrade")
def db_upgrade(env_file: EnvFile = None) -> None:
    """Create or migrate the job database's tables, and the key store's."""
    import migrations
    from schemas.db import make_engine
    from schemas.keyfile import load_key_file
    from schemas.keystore import KeyStore

    settings = settings_or_exit(env_file)
    with _errors(), store_errors():
        migrations.upgrade(settings.database_url)
        store = KeyStore(make_engine(settings.resolved_key_store_url),
                         load_key_file(settings.keys_file),
                         bucket_seconds=settings.key_bucket_seconds)
        store.create_schema()
    err.print(f"job database at revision {migrations.current(settings.database_url)}")


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
