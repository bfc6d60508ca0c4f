"""Job kinds: each declares its system prompt, output schema, limits and policy in one place.

Built-in kinds ship in schemas/kinds/*.json; tenants add their own from a kinds file
(SEALQ_KINDS_FILE) with the same fields, no code change needed.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.constants import MAX_MAX_TOKENS
from schemas.errors import ConfigError

KIND_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class TenantPattern(BaseModel):
    """A tenant-defined PII pattern: a name for the code, a regular expression."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")]
    regex: str
    score: Annotated[float, Field(gt=0.0, le=1.0)] = 0.9

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as e:
            raise ValueError(f"not a valid regular expression: {e}") from None
        return value


class Kind(BaseModel):
    """A job kind: what the model is told, what it must answer, and how it is policed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=KIND_NAME_PATTERN)]
    description: str = ""
    system_prompt: str
    # JSON schema the answer must satisfy; None means free text.
    output_schema: dict[str, Any] | None = None
    max_prompt_chars: Annotated[int, Field(ge=1)] = 200_000
    max_tokens_cap: Annotated[int, Field(ge=1, le=MAX_MAX_TOKENS)] = MAX_MAX_TOKENS
    # What a prompt-injection hit does: end the job rejected, or record the code and go on.
    injection: Literal["reject", "flag"] = "reject"
    # Ask the worker's own engine, before the real request, whether the document is an
    # injection (a constrained one-word answer; code injection.model). Off by default: it
    # costs one short extra request per job and only a capable (GPU) model judges well.
    injection_model_check: bool = False
    # What PII found in the answer does: redact it in place, or reject the job.
    pii: Literal["redact", "reject"] = "redact"
    pii_patterns: list[TenantPattern] = []

    @field_validator("output_schema")
    @classmethod
    def _schema_is_valid(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                Draft202012Validator.check_schema(value)
            except SchemaError as e:
                path = "/".join(str(p) for p in e.path) or "(root)"
                raise ValueError(f"not a valid JSON schema at {path}: {e.message}") from None
        return value


class KindRegistry:
    """The kinds a deployment knows, by name."""

    def __init__(self, kinds: dict[str, Kind]) -> None:
        self._kinds = dict(kinds)

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def get(self, name: str) -> Kind:
        """The kind with that name; KeyError if unknown."""
        return self._kinds[name]

    @property
    def names(self) -> list[str]:
        """Every known kind's name, sorted."""
        return sorted(self._kinds)


def _parse_kind(document: Any, source: str) -> Kind:
    try:
        return Kind.model_validate(document)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise ConfigError(f"{source}: field {field}: {first['msg']}") from None


def builtin_kinds() -> dict[str, Kind]:
    """The kinds that ship with sealq."""
    kinds = {}
    for entry in sorted(resources.files("schemas").joinpath("kinds").iterdir(),
                        key=lambda p: p.name):
        if entry.name.endswith(".json"):
            kind = _parse_kind(json.loads(entry.read_text()), f"built-in kind {entry.name}")
            kinds[kind.name] = kind
    return kinds


def load_kinds(kinds_file: Path | None = None) -> KindRegistry:
    """Built-in kinds plus a tenant kinds file (a JSON list of kinds), or ConfigError."""
    kinds = builtin_kinds()
    if kinds_file is not None:
        try:
            document = json.loads(kinds_file.read_text())
        except FileNotFoundError:
            raise ConfigError(f"kinds file {kinds_file} does not exist") from None
        except (OSError, ValueError) as e:
            raise ConfigError(f"kinds file {kinds_file} is not valid JSON: {e}") from None
        if not isinstance(document, list):
            raise ConfigError(f"kinds file {kinds_file}: expected a JSON list of kinds")
        for index, item in enumerate(document):
            kind = _parse_kind(item, f"kinds file {kinds_file}, kind [{index}]")
            kinds[kind.name] = kind
    return KindRegistry(kinds)
