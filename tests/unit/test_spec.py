"""Batch input validation: specific errors naming line and field, and never the prompt."""

from __future__ import annotations

import json
import traceback
from pathlib import Path
from typing import Any

import pytest

from producer import spec
from schemas.constants import MAX_PROMPT_BYTES
from schemas.errors import SpecError
from schemas.jobs import BatchLine
from schemas.kinds import Kind, builtin_kinds

# Confidential text stand-in: no error message may ever contain it.
CANARY = "CANARY-7f3a-quarterly-loss-of-4.2M"
FREE_TEXT = builtin_kinds()["free_text"]


def line(custom_id: str = "req-1", content: str = "Summarise the report.",
         **body: Any) -> str:
    """One JSONL request line with a user message and extra body fields."""
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
                       "body": {"messages": [{"role": "user", "content": content}], **body}})


def refused(raw_lines: list[str], kind: Kind = FREE_TEXT) -> SpecError:
    """The SpecError parsing these lines raises."""
    with pytest.raises(SpecError) as error:
        spec.parse_lines(raw_lines, kind)
    return error.value


def test_valid_lines_parse_in_order() -> None:
    """Valid lines become BatchLines in file order; blank lines are skipped."""
    lines = spec.parse_lines([line("a"), "", "  \n", line("b", max_tokens=7)], FREE_TEXT)
    assert [x.custom_id for x in lines] == ["a", "b"]
    assert lines[1].body.max_tokens == 7


def test_malformed_json_names_its_line() -> None:
    """A line that is not JSON is refused with its line number."""
    error = refused([line("a"), line("b"), '{"custom_id": "c", "body": ', line("d")])
    assert error.line == 3
    assert str(error).startswith("line 3: not valid JSON")


def test_non_object_line_is_refused() -> None:
    """A JSON line that is not an object is refused with its line number."""
    error = refused([line("a"), "[1, 2]"])
    assert error.line == 2
    assert "JSON object" in str(error)


@pytest.mark.parametrize("max_tokens", [0, 8193, -1])
def test_max_tokens_out_of_range_is_refused(max_tokens: int) -> None:
    """max_tokens outside 1..8192 is refused, naming the field."""
    error = refused([line(max_tokens=max_tokens)])
    assert error.line == 1
    assert "body.max_tokens" in str(error)


@pytest.mark.parametrize("max_tokens", [1, 8192])
def test_max_tokens_bounds_are_accepted(max_tokens: int) -> None:
    """max_tokens of exactly 1 and exactly 8192 are accepted."""
    [parsed] = spec.parse_lines([line(max_tokens=max_tokens)], FREE_TEXT)
    assert parsed.body.max_tokens == max_tokens


def test_max_tokens_above_kind_cap_is_refused() -> None:
    """max_tokens within the contract but above the kind's cap is refused, naming the kind."""
    kind = FREE_TEXT.model_copy(update={"max_tokens_cap": 100})
    error = refused([line(max_tokens=101)], kind)
    assert "body.max_tokens" in str(error)
    assert "free_text" in str(error)


def test_empty_messages_are_refused() -> None:
    """A body with no messages is refused, naming body.messages."""
    raw = json.dumps({"custom_id": "a", "body": {"messages": []}})
    error = refused([raw])
    assert "body.messages" in str(error)


@pytest.mark.parametrize("raw", [
    json.dumps({"custom_id": "a", "body": {"messages": [{"role": "user", "content": "x"}]},
                "priority": 1}),
    json.dumps({"custom_id": "a", "body": {"messages": [{"role": "user", "content": "x"}],
                                           "logprobs": True}}),
    json.dumps({"custom_id": "a", "body": {"messages": [{"role": "user", "content": "x",
                                                         "name": "bob"}]}}),
], ids=["line", "body", "message"])
def test_unknown_field_is_refused(raw: str) -> None:
    """An unknown field anywhere in a line is refused as unknown, with its path."""
    error = refused([raw])
    assert "unknown field" in str(error)
    assert error.line == 1


def test_duplicate_custom_id_names_both_lines() -> None:
    """A custom_id used twice is refused naming the first and the repeating line."""
    error = refused([line("a"), line("b"), line("a")])
    assert error.line == 3
    assert "line 3" in str(error)
    assert "line 1" in str(error)
    assert "'a'" in str(error)


def test_read_file_names_the_file_and_line(tmp_path: Path) -> None:
    """Errors from a file name the file and keep the line number."""
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join([line("a"), line("b", max_tokens=0)]) + "\n")
    with pytest.raises(SpecError) as error:
        spec.read_file(path, FREE_TEXT)
    assert error.value.line == 2
    assert str(path) in str(error.value)
    assert "line 2" in str(error.value)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    """A file with no requests is refused."""
    path = tmp_path / "batch.jsonl"
    path.write_text("\n\n")
    with pytest.raises(SpecError, match="no requests"):
        spec.read_file(path, FREE_TEXT)


CANARY_LINES: dict[str, str | bytes] = {
    "broken json": '{"custom_id": "a", "body": {"messages": [{"role": "user", "content": "'
                   + CANARY + '"}',
    "bad role": json.dumps({"custom_id": "a", "body": {"messages": [
        {"role": "boss", "content": CANARY}]}}),
    "content not text": json.dumps({"custom_id": "a", "body": {"messages": [
        {"role": "user", "content": {"text": CANARY}}]}}),
    "image part": json.dumps({"custom_id": "a", "body": {"messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": CANARY}]}]}}),
    "max_tokens": line(content=CANARY, max_tokens=0),
    "temperature": line(content=CANARY, temperature="hot " + CANARY),
    "unknown field": line(content=CANARY, extra_notes=CANARY),
    "model": line(content=CANARY, model=[CANARY]),
    "missing custom_id": json.dumps({"body": {"messages": [
        {"role": "user", "content": CANARY}]}}),
    "bad method": json.dumps({"custom_id": "a", "method": CANARY, "body": {"messages": [
        {"role": "user", "content": CANARY}]}}),
    "too big": line(content=CANARY + "x" * MAX_PROMPT_BYTES),
    "invalid utf-8": line(content=CANARY).encode().replace(b"CANARY", b"\xff\xfeCANARY"),
}


@pytest.mark.parametrize("raw", CANARY_LINES.values(), ids=CANARY_LINES.keys())
def test_errors_never_echo_prompt_text(raw: str | bytes) -> None:
    """However a line is wrong, its error message does not contain the prompt's text."""
    with pytest.raises(SpecError) as error:
        spec.parse_lines([raw], FREE_TEXT)
    assert CANARY not in str(error.value)
    assert error.value.line == 1
    # Nor does the traceback: pydantic's own error (which quotes input) is not chained.
    assert CANARY not in "".join(traceback.format_exception(error.value))


def test_prompt_above_kind_limit_is_refused_without_echo() -> None:
    """A prompt longer than the kind allows is refused by size, not by quoting it."""
    kind = FREE_TEXT.model_copy(update={"max_prompt_chars": 10})
    error = refused([line(content=CANARY)], kind)
    assert "body.messages" in str(error)
    assert CANARY not in str(error)


def test_text_parts_are_flattened() -> None:
    """List-of-parts content with text parts is accepted as the joined text."""
    raw = json.dumps({"custom_id": "a", "body": {"messages": [
        {"role": "user", "content": [{"type": "text", "text": "one "},
                                     {"type": "text", "text": "two"}]}]}})
    [parsed] = spec.parse_lines([raw], FREE_TEXT)
    assert parsed.body.messages[0].content == "one two"


def test_from_request_body_builds_a_line() -> None:
    """The Python API's plain request bodies validate like file lines."""
    built = BatchLine.from_request_body({"messages": [{"role": "user", "content": "x"}]}, "c-1")
    assert built.custom_id == "c-1"
    assert built.body.max_tokens == 512


@pytest.mark.parametrize("name", ["acme\n", "acme\r\n", "\nacme", "ac me", "acme\x00", "",
                                  "-acme", "a" * 65, "acmé"])
def test_tenant_names_must_match_as_a_whole(name: str) -> None:
    """A tenant with a trailing newline or any other stray character is not a tenant."""
    from pydantic import TypeAdapter, ValidationError

    from schemas.jobs import Tenant, is_tenant

    assert not is_tenant(name)
    with pytest.raises(ValidationError):
        TypeAdapter(Tenant).validate_python(name)


@pytest.mark.parametrize("name", ["acme", "a", "Acme-Corp_2.eu", "a" * 64])
def test_valid_tenant_names_pass(name: str) -> None:
    """Letters, digits, '.', '_' and '-' up to 64 characters make a tenant."""
    from schemas.jobs import is_tenant

    assert is_tenant(name)
