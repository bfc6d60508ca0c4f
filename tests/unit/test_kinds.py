"""Job kinds: the built-ins load, and a bad kinds file is refused naming the file and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from schemas.errors import ConfigError
from schemas.kinds import builtin_kinds, load_kinds


def kind(**overrides: Any) -> dict[str, Any]:
    """A valid tenant kind document with some fields replaced."""
    doc: dict[str, Any] = {"name": "invoice_check", "system_prompt": "Check the invoice.",
                           "output_schema": {"type": "object"}}
    doc.update(overrides)
    return doc


def kinds_file(tmp_path: Path, content: Any) -> Path:
    """A kinds file holding `content` as JSON (or as given, if already text)."""
    path = tmp_path / "kinds.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def refusal(path: Path) -> str:
    """The one-line message of the ConfigError loading this kinds file raises."""
    with pytest.raises(ConfigError) as error:
        load_kinds(path)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_builtin_kinds_load() -> None:
    """The shipped kinds load; report_analysis carries a valid output schema."""
    kinds = builtin_kinds()
    assert {"free_text", "report_analysis"} <= set(kinds)
    assert kinds["free_text"].output_schema is None
    schema = kinds["report_analysis"].output_schema
    assert schema is not None
    assert set(schema["required"]) == {"summary", "key_figures", "risks", "confidence"}
    assert load_kinds().names == sorted(kinds)


def test_tenant_kinds_are_added(tmp_path: Path) -> None:
    """A kinds file adds its kinds beside the built-ins."""
    registry = load_kinds(kinds_file(tmp_path, [kind(pii_patterns=[
        {"name": "IBAN", "regex": r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}"}])]))
    assert "invoice_check" in registry
    assert "free_text" in registry
    assert registry.get("invoice_check").pii_patterns[0].name == "IBAN"


def test_invalid_output_schema_names_file_and_field(tmp_path: Path) -> None:
    """A kind whose output_schema is not a JSON schema is refused naming file and field."""
    path = kinds_file(tmp_path, [kind(output_schema={"type": "nonsense"})])
    message = refusal(path)
    assert str(path) in message
    assert "output_schema" in message
    assert "kind [0]" in message


def test_invalid_pii_regex_names_file_and_field(tmp_path: Path) -> None:
    """A pii_patterns regex that does not compile is refused naming file and field."""
    path = kinds_file(tmp_path, [kind(), kind(name="second", pii_patterns=[
        {"name": "ACCOUNT", "regex": "([0-9]+"}])])
    message = refusal(path)
    assert str(path) in message
    assert "kind [1]" in message
    assert "pii_patterns.0.regex" in message
    assert "regular expression" in message


@pytest.mark.parametrize("content, expected", [
    ("{not json", "not valid JSON"),
    ({"name": "x"}, "JSON list"),
    ([kind(name="Bad Name")], "name"),
    ([kind(injection="ignore")], "injection"),
    ([kind(unexpected=True)], "unexpected"),
    ([{"name": "no_prompt"}], "system_prompt"),
], ids=["not json", "not a list", "bad name", "bad injection", "unknown field",
        "missing prompt"])
def test_malformed_kinds_file_is_refused(tmp_path: Path, content: Any, expected: str) -> None:
    """Other malformed kinds files are refused with a one-line message naming the file."""
    path = kinds_file(tmp_path, content)
    message = refusal(path)
    assert str(path) in message
    assert expected in message


def test_missing_kinds_file_is_refused(tmp_path: Path) -> None:
    """A kinds file that does not exist is refused naming it."""
    path = tmp_path / "absent.json"
    assert str(path) in refusal(path)
