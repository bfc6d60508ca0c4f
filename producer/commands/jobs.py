"""`sealq submit|batches|status|wait|results|cancel`: a producer's batches from start to end."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from producer.commands.common import errors, open_client, open_tracker, progress, stderr
from schemas import constants
from schemas.cli_common import EnvFile
from schemas.states import Priority

if TYPE_CHECKING:
    from producer.client import Client
    from producer.store import BatchPage, BatchSummary

EXIT_TIMEOUT = 1
# Batches per page of `sealq batches`, and the most one page may hold.
DEFAULT_PAGE = 20
MAX_PAGE = 1000

BatchId = Annotated[str, typer.Argument(help="Batch id.")]


def submit(
    file: Annotated[Path, typer.Argument(help="OpenAI Batch-style JSONL requests.")],
    tenant: Annotated[str, typer.Option(help="Tenant the jobs belong to.")] =
        constants.DEFAULT_TENANT,
    kind: Annotated[str, typer.Option(help="Job kind: system prompt, schema, policy.")] =
        constants.DEFAULT_KIND,
    ttl: Annotated[int | None, typer.Option(
        help="Seconds until the jobs' data is erased; default SEALQ_DEFAULT_TTL_SECONDS.")] =
        None,
    priority: Annotated[Priority, typer.Option(
        help="Lane: urgent starts ahead of normal, normal ahead of bulk.")] = Priority.NORMAL,
    env_file: EnvFile = None,
) -> None:
    """Validate, seal and store a batch in its lane for the dispatcher; prints the batch id."""
    client = open_client(env_file)
    err = stderr()
    with errors(), progress() as bar:
        task = bar.add_task("sealing", total=None)
        result = client.submit_file(file, tenant=tenant, kind=kind, ttl_seconds=ttl,
                                    priority=priority, progress=lambda n: bar.advance(task, n))
    client.close()
    if result.existing:
        err.print(f"already submitted: batch {result.batch_id} holds these {result.skipped} "
                  "requests; nothing new stored")
    else:
        note = f", {result.skipped} skipped (submitted before)" if result.skipped else ""
        err.print(f"stored {result.created} {priority.value} jobs{note}; the dispatcher "
                  "releases them to the workers")
    print(result.batch_id)


def batches(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's batches.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE, help="Batches per page.")] =
        DEFAULT_PAGE,
    after: Annotated[str | None, typer.Option(
        metavar="CURSOR", help="List the batches older than this batch id (the last one "
        "of the previous page).")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="One JSON object: data, first_id, last_id, has_more.")] = False,
    env_file: EnvFile = None,
) -> None:
    """List batches, newest first: tenant, kind, created, expiry and jobs per state."""
    tracker = open_tracker(env_file)
    with errors():
        page = tracker.batches(tenant=tenant, limit=limit, after=after)
    tracker.close()
    if as_json:
        print(json.dumps(page_as_dict(page)))
        return
    _print_page(page, tenant=tenant, limit=limit)


def page_as_dict(page: BatchPage) -> dict[str, Any]:
    """A page in the shape of OpenAI's list answers: data, first_id, last_id, has_more."""
    return {"object": "list", "data": [_summary_as_dict(b) for b in page.batches],
            "first_id": page.batches[0].id if page.batches else None,
            "last_id": page.last_id, "has_more": page.has_more}


def _summary_as_dict(batch: BatchSummary) -> dict[str, Any]:
    return {"id": batch.id, "tenant": batch.tenant, "kind": batch.kind,
            "created_at": _iso(batch.created_at), "expires_at": _iso(batch.expires_at),
            "jobs": batch.job_count, "counts": batch.counts}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _print_page(page: BatchPage, *, tenant: str | None, limit: int) -> None:
    # Plain aligned columns, kubectl style: ids are never wrapped or cut, whatever the width,
    # and `awk '{print $1}'` gets them (use --json for anything more).
    if not page.batches:
        stderr().print("no batches" + (f" for tenant {tenant}" if tenant else ""))
        return
    rows = [["BATCH", "TENANT", "KIND", "CREATED (UTC)", "EXPIRES (UTC)", "JOBS", "STATES"]]
    for batch in page.batches:
        states = ", ".join(f"{state} {n}" for state, n in batch.counts.items() if n)
        rows.append([batch.id, batch.tenant, batch.kind, _minute(batch.created_at),
                     _minute(batch.expires_at), str(batch.job_count), states or "-"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)),
                         row[-1]]))
    if page.has_more:
        more = ["sealq", "batches", "--after", str(page.last_id), "--limit", str(limit)]
        if tenant:
            more += ["--tenant", tenant]
        stderr().print(f"more batches: {' '.join(more)}", highlight=False)


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def status(
    batch: BatchId,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object keyed by state.")] =
        False,
    env_file: EnvFile = None,
) -> None:
    """Jobs per state for a batch."""
    tracker = open_tracker(env_file)
    with errors():
        counts = tracker.status(batch)
    tracker.close()
    if as_json:
        print(json.dumps(counts))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("state", "jobs")
    for state, count in counts.items():
        table.add_row(state, str(count))
    Console().print(table)


def wait(
    batch: BatchId,
    timeout: Annotated[float | None, typer.Option(help="Give up after this many seconds.")] =
        None,
    env_file: EnvFile = None,
) -> None:
    """Wait until every job of the batch is finished (exit 0), or the timeout (exit 1)."""
    from producer.tracker import pending

    tracker = open_tracker(env_file)
    with errors(), progress() as bar:
        task = bar.add_task("running", total=None)

        def show(counts: dict[str, int]) -> None:
            total = sum(counts.values())
            bar.update(task, total=total, completed=total - pending(counts))

        counts = tracker.wait(batch, timeout=timeout, on_poll=show)
    tracker.close()
    left = pending(counts)
    summary = ", ".join(f"{state} {n}" for state, n in counts.items() if n)
    if left:
        stderr().print(f"timed out with {left} jobs unfinished ({summary})")
        raise typer.Exit(EXIT_TIMEOUT)
    stderr().print(f"all jobs finished: {summary}")


def results(
    batch: BatchId,
    out: Annotated[Path, typer.Option(help="Output JSONL file ('-' for stdout); mode 0600.")],
    env_file: EnvFile = None,
) -> None:
    """Write the batch's decrypted results in OpenAI Batch output shape."""
    from producer.tracker import pending

    client = open_client(env_file)
    with errors():
        counts = client.status(batch)
        written = _write_results(client, batch, out)
    client.close()
    left = pending(counts)
    if left:
        stderr().print(f"{left} jobs are not finished yet; their lines are not written")
    stderr().print(f"wrote {written} results")


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


def cancel(
    target: Annotated[str, typer.Argument(help="Batch id or job id.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object of counts.")] = False,
    env_file: EnvFile = None,
) -> None:
    """Cancel a batch's unfinished jobs, or one job; their sealed data is erased at once."""
    tracker = open_tracker(env_file)
    with errors():
        report = tracker.cancel(target)
    tracker.close()
    if as_json:
        print(json.dumps({"target": report.target, "batch": report.is_batch,
                          "cancelled": report.cancelled,
                          "already_final": report.already_final}))
        return
    what = "batch" if report.is_batch else "job"
    stderr().print(f"{what} {target}: cancelled {report.cancelled} jobs, "
                   f"{report.already_final} had already finished")
