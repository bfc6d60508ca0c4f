"""Reading and validating OpenAI Batch request files before anything is stored."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from schemas.constants import MAX_PROMPT_BYTES
from schemas.errors import SpecError
from schemas.jobs import BatchLine
from schemas.kinds import Kind


def describe(error: ValidationError) -> str:
    """Where and what, without echoing the input (it may be confidential text)."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(line)"
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown field; remove it"
    elif first["type"] == "missing":
        message = "required field is missing"
    more = len(error.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''} on this line)" if more else ""
    return f"{where}: {message}{suffix}"


def parse_line(raw: str | bytes, line_no: int) -> BatchLine:
    """One JSONL line as a BatchLine, or SpecError naming the line and the field."""
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as e:
        raise SpecError(f"not valid JSON ({e.msg} at column {e.colno})", line=line_no) from None
    except UnicodeDecodeError:
        raise SpecError("not valid UTF-8", line=line_no) from None
    except RecursionError:
        raise SpecError("JSON nested too deeply", line=line_no) from None
    except ValueError:
        # Python refuses to convert integers longer than 4300 digits (int_max_str_digits).
        raise SpecError("not valid JSON (a number has too many digits)", line=line_no) from None
    try:
        # \ud800-style escapes decode to lone surrogates, which no UTF-8 store or log takes.
        json.dumps(document, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise SpecError("a string holds an unpaired surrogate escape (\\ud800-\\udfff); "
                        "send valid Unicode", line=line_no) from None
    except RecursionError:
        raise SpecError("JSON nested too deeply", line=line_no) from None
    if not isinstance(document, dict):
        raise SpecError("expected a JSON object with custom_id and body", line=line_no)
    try:
        line = BatchLine.model_validate(document)
    except ValidationError as e:
        raise SpecError(describe(e), line=line_no) from None
    size = sum(len(m.content.encode()) for m in line.body.messages)
    if size > MAX_PROMPT_BYTES:
        raise SpecError(f"body.messages: prompt is {size} bytes, the limit is "
                        f"{MAX_PROMPT_BYTES}; split the report", line=line_no)
    return line


def check_against_kind(line: BatchLine, kind: Kind, line_no: int) -> None:
    """Refuse what the kind's limits already rule out, before it is stored."""
    if line.body.max_tokens > kind.max_tokens_cap:
        raise SpecError(f"body.max_tokens: {line.body.max_tokens} is above kind "
                        f"{kind.name!r}'s cap of {kind.max_tokens_cap}", line=line_no)
    chars = sum(len(m.content) for m in line.body.messages)
    if chars > kind.max_prompt_chars:
        raise SpecError(f"body.messages: {chars} characters is above kind {kind.name!r}'s "
                        f"limit of {kind.max_prompt_chars}", line=line_no)


def parse_lines(raw_lines: Iterable[str | bytes], kind: Kind) -> list[BatchLine]:
    """Every non-blank line, validated; the first problem raises SpecError with its line."""
    lines: list[BatchLine] = []
    seen: dict[str, int] = {}
    for line_no, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        line = parse_line(raw, line_no)
        check_against_kind(line, kind, line_no)
        first = seen.setdefault(line.custom_id, line_no)
        if first != line_no:
            raise SpecError(f"custom_id {line.custom_id!r} is already used on line {first}; "
                            "custom ids must be unique", line=line_no)
        lines.append(line)
    if not lines:
        raise SpecError("no requests found: the file is empty or blank")
    return lines


def read_file(path: Path, kind: Kind) -> list[BatchLine]:
    """Parse a batch file, or SpecError naming the file and line."""
    try:
        with path.open("rb") as f:
            return parse_lines(f, kind)
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: is a directory, expected a .jsonl file") from None
    except SpecError as e:
        located = SpecError(f"{path}, {e}")
        located.line = e.line
        raise located from None
