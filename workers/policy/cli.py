"""`sealq policy check`: run the input guard or the output policy on a JSONL file, locally."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from schemas.cli_common import EnvFile, settings_or_exit
from schemas.constants import DEFAULT_KIND, EXIT_CONFIG
from schemas.errors import ConfigError, SpecError
from schemas.jobs import BatchLine, Message
from schemas.kinds import Kind, load_kinds
from workers.policy.corpus import Example, load_corpus
from workers.policy.evaluate import ALL, Evaluation, Tally, evaluate
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


_EVAL_HELP = (
    "Run the input guard over a labelled corpus and print detection rates (injection attempts "
    "not accepted) and false-positive rates (clean prompts not accepted), overall, per "
    "language and per family, for each split the corpus has (tune, heldout).\n\n"
    "CORPUS is JSONL with lang (en, zh), label (injection, clean), family, text and "
    "optionally split; tests/corpus/guard.jsonl is the corpus the README's table comes from. "
    "An unreadable file or a bad line: exit code 2."
)


@policy_app.command("eval", help=_EVAL_HELP)
def evaluate_command(
    corpus: Annotated[Path, typer.Argument(metavar="CORPUS.jsonl", help="Labelled corpus.")],
    kind_name: Annotated[str, typer.Option("--kind", "-k", help="Kind whose policy applies.")]
        = DEFAULT_KIND,
    split: Annotated[str | None, typer.Option(
        "--split", help="Only this split: tune or heldout (default: every split).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    kinds_file: Annotated[Path | None, typer.Option(
        "--kinds-file", envvar="SEALQ_KINDS_FILE", help="Tenant kinds (a JSON list).")] = None,
    model_check: Annotated[bool, typer.Option(
        "--model-check", help="Measure the model check (a kind's injection_model_check) "
        "instead of the guard: starts the engine a worker would start (SEALQ_MODEL, "
        "SEALQ_DEVICE, ... from the environment or --env-file) and asks it about every "
        "example.")] = False,
    env_file: EnvFile = None,
) -> None:
    """Detection and false-positive rates on a corpus; see _EVAL_HELP."""
    try:
        if split not in (None, "tune", "heldout"):
            raise ConfigError(f"--split must be tune or heldout, not {split!r}")
        kind = _kind(kinds_file, kind_name)
        examples: list[Example] = [e for e in load_corpus(corpus)
                                   if split is None or e.split == split]
        if not examples:
            raise SpecError(f"{corpus} has no examples in split {split}")
    except (ConfigError, SpecError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    if model_check:
        judge = _model_check_judge(examples, env_file)
    else:
        def judge(text: str) -> Verdict:
            return assess_input(kind, [Message(role="user", content=text)])
    result = evaluate(examples, judge)
    if as_json:
        typer.echo(json.dumps({"corpus": corpus.name, "kind": kind.name, **result.as_dict()}))
    else:
        _rates_tables(result)


def _model_check_judge(examples: list[Example], env_file: Path | None
                       ) -> Callable[[str], Verdict]:
    """Verdicts from the engine's one-word answers, asked for every example at once."""
    settings = settings_or_exit(env_file)
    # vLLM logs to stdout unless told otherwise; stdout carries the report (--json).
    os.environ.setdefault("VLLM_LOGGING_STREAM", "ext://sys.stderr")
    # Heavy imports only when the engine is really wanted.
    from workers.engine.options import EngineOptions
    from workers.engine.vllm import VllmEngine
    from workers.policy.second_opinion import MODEL, says_injection, second_opinion_request

    try:
        options = EngineOptions.from_settings(settings)
    except ConfigError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    texts = sorted({example.text for example in examples})
    with VllmEngine(options, collect_stats=False) as engine:
        futures = [engine.submit(second_opinion_request([Message(role="user", content=text)],
                                                        request_id=f"eval-{i}"))
                   for i, text in enumerate(texts)]
        said = {text: says_injection(future.result().text)
                for text, future in zip(texts, futures, strict=True)}
    return lambda text: (Verdict("flag", {MODEL: 1}) if said[text] else Verdict("accept", {}))


def _cell(tally: Tally) -> str:
    return f"{tally.rate:.3f} ({tally.hit}/{tally.total})" if tally.total else "-"


def _rates_tables(result: Evaluation) -> None:
    console = Console()
    # Tune and heldout are shown apart, never pooled; a corpus without splits is one part.
    splits = [split for split in result.splits() if split != ALL] or [ALL]
    columns = [*result.languages(), ALL]
    for split in splits:
        for label, title in (("injection", "injection attempts caught"),
                             ("clean", "clean prompts flagged")):
            where = "" if split == ALL else f", {split} part"
            table = Table(title=f"{title}{where}")
            table.add_column("family")
            for lang in columns:
                table.add_column(lang, justify="right", no_wrap=True)
            for family in [*result.families(label), ALL]:
                table.add_row(family, *(_cell(result.get(split, label, lang, family))
                                        for lang in columns))
            console.print(table)
