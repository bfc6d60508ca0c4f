"""Which SEALQ_* variables sealq knows, and the check that stops a command on any other one.

A misspelt variable must not be dropped in silence (SEALQ_KEYSTORE_URL would leave the key
store at its default while the operator believes otherwise). The known names are the fields of
every settings class in SETTINGS_CLASSES (each field is SEALQ_<FIELD>), plus OTHER_VARIABLES:
names that are no setting but belong in an operator's environment. A new settings class is
registered in SETTINGS_CLASSES; its fields become known names at once.
"""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import AliasChoices, ValidationError

from schemas.errors import ConfigError

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

ENV_PREFIX = "SEALQ_"

# Every settings class of sealq, as "module:Class". They are imported in this order and only
# as far as needed: a command whose variables all belong to the first never loads the others.
SETTINGS_CLASSES: tuple[str, ...] = (
    "schemas.settings:Settings",
    "schemas.ops_settings:FlowerSettings",
    "schemas.ops_settings:ExporterSettings",
)

# SEALQ_* names that are not settings of any sealq process, and who reads them.
OTHER_VARIABLES: dict[str, str] = {
    "SEALQ_ENV_FILE": "every command: the env file to read besides the environment",
    "SEALQ_CACHE_DIR": "scripts/setup.sh: where the cached virtualenvs live",
    "SEALQ_EXTRAS": "compose/Dockerfile: the pip extras built into the image",
    "SEALQ_IMAGE_TAG": "compose: the image tag to run",
    "SEALQ_WORKER_QUEUE": "compose: the queue the worker and exporter services use",
    "SEALQ_FLOWER_PORT": "compose: the host port Flower is published on",
    "SEALQ_EXPORTER_PORT": "compose: the host port the exporter is published on",
    "SEALQ_REDIS_MAXMEMORY": "compose: Redis's maxmemory",
    "SEALQ_PG_MAX_CONNECTIONS": "compose: the job database's max_connections",
    "SEALQ_KEYSTORE_MAX_CONNECTIONS": "compose: the key store's max_connections",
    "SEALQ_PROMETHEUS_PORT": "compose: the host port Prometheus is published on",
    "SEALQ_API_PORT": "compose: the host port the gateway is published on",
}

Settings_ = TypeVar("Settings_", bound="BaseSettings")


class UnknownVariable(ConfigError):
    """A SEALQ_* (or, for Flower, FLOWER_*) variable no part of sealq reads."""


def import_settings_class(target: str) -> type[BaseSettings]:
    """One SETTINGS_CLASSES entry ("module:Class"), imported now."""
    module, _, name = target.partition(":")
    found: type[BaseSettings] = getattr(importlib.import_module(module), name)
    return found


def settings_classes() -> Iterator[type[BaseSettings]]:
    """The classes of SETTINGS_CLASSES, each imported when the iteration reaches it."""
    for target in SETTINGS_CLASSES:
        yield import_settings_class(target)


def variables_of(settings_class: type[BaseSettings]) -> set[str]:
    """The variable names one settings class reads, upper case (aliases included)."""
    prefix = str(settings_class.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for field_name, field in settings_class.model_fields.items():
        alias = field.validation_alias
        if alias is None:
            names.add((prefix + field_name).upper())
        elif isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, AliasChoices):
            names.update(choice.upper() for choice in alias.choices if isinstance(choice, str))
    return names


def known_variables(wanted: Iterable[str] = ()) -> frozenset[str]:
    """SEALQ_* names sealq accepts: all of them, or enough to know every `wanted` name."""
    wanted = {name.upper() for name in wanted}
    names = set(OTHER_VARIABLES)
    for target in SETTINGS_CLASSES:
        if wanted and wanted <= names:
            break  # every name asked about is known: the other classes are not imported
        names.update(name for name in variables_of(import_settings_class(target))
                     if name.startswith(ENV_PREFIX))
    return frozenset(names)


def variable_sources(environ: Mapping[str, str],
                     env_file: Path | None) -> list[tuple[str, str]]:
    """(name, where it was set) for every variable of the environment and of the env file."""
    sources = [(name, "in the environment") for name in sorted(environ)]
    if env_file is not None:
        if not env_file.is_file():
            raise ConfigError(f"env file {env_file} does not exist (--env-file or "
                              "SEALQ_ENV_FILE)")
        # The reader pydantic-settings uses, so both see the same names.
        from dotenv import dotenv_values

        sources += [(name, f"in env file {env_file}") for name in dotenv_values(env_file)]
    return sources


def closest_name(name: str, known: Iterable[str], prefix: str) -> str | None:
    """The known name most like `name`, if any is close (the shared prefix is not compared)."""
    by_rest = {other[len(prefix):]: other for other in known if other.startswith(prefix)}
    matches = difflib.get_close_matches(name.upper()[len(prefix):], sorted(by_rest), n=1,
                                        cutoff=0.6)
    return by_rest[matches[0]] if matches else None


def unknown_names(sources: Iterable[tuple[str, str]], *, prefix: str,
                  known: frozenset[str]) -> Iterable[tuple[str, str]]:
    """The (name, origin) pairs with that prefix whose name is not known (case-insensitive)."""
    for name, origin in sources:
        upper = name.upper()
        if upper.startswith(prefix) and upper not in known:
            yield name, origin


def check_sealq_variables(environ: Mapping[str, str], env_file: Path | None) -> None:
    """UnknownVariable for the first SEALQ_* name sealq does not know, with the closest one."""
    sources = variable_sources(environ, env_file)
    found = {name.upper() for name, _ in sources if name.upper().startswith(ENV_PREFIX)}
    if not found:
        return
    known = known_variables(found)
    if not found <= known:
        known = known_variables()  # all of them, for the closest-name hint
    for name, origin in unknown_names(sources, prefix=ENV_PREFIX, known=known):
        guess = closest_name(name, known, ENV_PREFIX)
        hint = f"did you mean {guess}?" if guess else "every setting is listed in .env.example"
        raise UnknownVariable(f"{name} ({origin}) is not a sealq setting; {hint}")


def load(settings_class: type[Settings_], env_file: Path | None) -> Settings_:
    """Settings of that class from the environment and env file, every SEALQ_* name checked.

    Raises ConfigError (one line, naming the variable) for an unknown, missing or invalid one.
    """
    check_sealq_variables(os.environ, env_file)
    try:
        return settings_class(_env_file=env_file)
    except ValidationError as e:
        raise ConfigError(describe_validation_error(e, settings_class)) from None


def describe_validation_error(error: ValidationError,
                              settings_class: type[BaseSettings]) -> str:
    """One line naming the first bad variable and what is wrong with it."""
    first = error.errors()[0]
    where = str(first["loc"][0]) if first["loc"] else "?"
    # pydantic names a field by its alias when it has one (FLOWER_AUTH), else by its name.
    prefix = str(settings_class.model_config.get("env_prefix", ""))
    variable = (prefix + where).upper() if where in settings_class.model_fields else where
    if first["type"] == "missing":
        return f"{variable} is not set; see .env.example for what it takes"
    return f"{variable} is invalid: {first['msg']}"
