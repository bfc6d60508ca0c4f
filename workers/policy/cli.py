"""`sealq policy check`: run the input guard or the output policy on a JSONL file, locally."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from schemas.constants import DEFAULT_KIND, EXIT_CONFIG
from schemas.errors import ConfigError, SpecError
from schemas.jobs import BatchLine
from schemas.kinds import Kind, load_kinds
from workers.policy.input_guard import assess_input
from workers.policy.lean_import import without_torch
from workers.policy.verdict import Verdict, format_codes

policy_app = typer.Typer(no_args_is_help=True, add_completion=False)

_STYLE = {"accept": "green", "flag": "yellow", "redact": "cyan", "reject": "bold red"}


@policy_app.callback()
def _policy() -> None:
    """Check requests or outputs against a kind's policy locally (no queue, no model)."""


_CHECK_HELP = (
    "Show each line's decision (accept, flag, redact, reject) and the codes that fired.\n\n"
    "Input mode runs the input guard (size, hidden characters, prompt injection) on OpenAI "
    "Batch request lines. --outputs runs the output policy (JSON schema, PII redaction) on "
    "output lines.\n\n"
    "Rejected lines are part of the report: exit code 0. An unreadable file, a bad line or "
    "an unknown kind: exit code 2."
)


@policy_app.command("check", help=_CHECK_HELP)
def check(
    file: Annotated[Path, typer.Argument(
        metavar="FILE.jsonl",
        help="JSONL file: OpenAI Batch request lines, or output lines with --outputs.")],
    kind_name: Annotated[str, typer.Option("--kind", "-k", help="Kind whose policy applies.")]
        = DEFAULT_KIND,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line: "
                                          "custom_id, decision, code, codes.")] = False,
    outputs: Annotated[bool, typer.Option(
        "--outputs", help="Check model outputs instead of requests. Each line is an OpenAI "
        "Batch output line (custom_id, response.body.choices[0].message.content) or "
        "{\"custom_id\": ..., \"output\": \"...\"}.")] = False,
    kinds_file: Annotated[Path | None, typer.Option(
        "--kinds-file", envvar="SEALQ_KINDS_FILE", help="Tenant kinds (a JSON list).")] = None,
) -> None:
    """Show each line's decision and codes; see _CHECK_HELP."""
    try:
        kind = _kind(kinds_file, kind_name)
        lines = _read(file, _output_line if outputs else _request_line)
        judge = _output_judge(kind) if outputs else _input_judge(kind)
    except (ConfigError, SpecError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    verdicts = [(custom_id, judge(item)) for custom_id, item in lines]
    if as_json:
        for custom_id, verdict in verdicts:
            typer.echo(json.dumps({"custom_id": custom_id, "decision": verdict.decision,
                                   "code": verdict.rejection, "codes": verdict.codes},
                                  ensure_ascii=False))
    else:
        _table(verdicts, kind, outputs)


def _kind(kinds_file: Path | None, name: str) -> Kind:
    registry = load_kinds(kinds_file)
    if name not in registry:
        raise ConfigError(f"unknown kind {name!r}; known kinds: {', '.join(registry.names)}")
    return registry.get(name)


def _read(file: Path, parse: Callable[[dict[str, Any]], tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Every non-blank line parsed, or SpecError naming the first bad line."""
    try:
        raw_lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"cannot read {file}: {type(e).__name__}") from None
    parsed = []
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        try:
            document = json.loads(raw)
            if not isinstance(document, dict):
                raise ValueError("expected a JSON object")
            parsed.append(parse(document))
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(root)"
            raise SpecError(f"field {where}: {first['msg']} ({file})", line=number) from None
        except ValueError as e:  # json.JSONDecodeError is a ValueError; its text has no content
            raise SpecError(f"{e} ({file})", line=number) from None
    if not parsed:
        raise SpecError(f"{file} has no lines to check")
    return parsed


def _request_line(document: dict[str, Any]) -> tuple[str, Any]:
    line = BatchLine.model_validate(document)
    return line.custom_id, line.body.messages


def _output_line(document: dict[str, Any]) -> tuple[str, Any]:
    custom_id = document.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        raise ValueError("custom_id is missing or not a string")
    if "output" in document:
        text = document["output"]
    else:
        try:
            text = document["response"]["body"]["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise ValueError("no output text: expected response.body.choices[0].message"
                             ".content or output") from None
    if not isinstance(text, str):
        raise ValueError("the output text is not a string")
    return custom_id, text


def _input_judge(kind: Kind) -> Callable[[Any], Verdict]:
    return lambda messages: assess_input(kind, messages)


def _output_judge(kind: Kind) -> Callable[[Any], Verdict]:
    with without_torch():
        from workers.policy.engine import PolicyEngine

        engine = PolicyEngine()
    return lambda text: engine.assess_output(kind, text)


def _table(verdicts: list[tuple[str, Verdict]], kind: Kind, outputs: bool) -> None:
    mode = "output policy" if outputs else "input guard"
    table = Table(title=f"{mode}, kind {kind.name}")
    for column in ("#", "custom_id", "decision", "code", "codes"):
        table.add_column(column)
    for number, (custom_id, verdict) in enumerate(verdicts, start=1):
        table.add_row(str(number), Text(custom_id),
                      Text(verdict.decision, style=_STYLE[verdict.decision]),
                      verdict.rejection or "", format_codes(verdict.codes))
    console = Console()
    console.print(table)
    tally: Counter[str] = Counter(verdict.decision for _, verdict in verdicts)
    console.print(", ".join(f"{tally[d]} {d}" for d in _STYLE if tally[d]) or "nothing checked")
