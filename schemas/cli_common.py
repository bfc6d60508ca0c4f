"""What every sealq command shares at the edge: the env file option, settings, exit codes."""

from __future__ import annotations

import logging
import resource
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from schemas.constants import EXIT_CONFIG
from schemas.errors import ConfigError

if TYPE_CHECKING:
    from schemas.settings import Settings

EnvFile = Annotated[
    Path | None,
    typer.Option("--env-file", envvar="SEALQ_ENV_FILE",
                 help="Read SEALQ_* settings from this file too (the environment wins).",
                 dir_okay=False),
]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line to stderr and exit."""
    print(f"sealq: {message}", file=sys.stderr)
    raise typer.Exit(code)


def settings_or_exit(env_file: Path | None) -> Settings:
    """Validated settings, or a one-line error naming the variable and exit code 2."""
    # Imported here: pydantic-settings is not needed to parse a command line or show help.
    from schemas.settings import load_settings

    try:
        return load_settings(env_file)
    except ConfigError as e:
        fail(str(e), EXIT_CONFIG)


# Loggers of libraries that could print request contents at DEBUG: never below INFO.
QUIET_LOGGERS = ("vllm", "transformers", "httpx", "urllib3", "python_multipart", "multipart",
                 "openai")
# Loggers that say the same thing at INFO on every call: never below WARNING. presidio logs
# "Fetching all recognizers" for each text it scans (tens per job, thousands of lines a minute).
CHATTY_LOGGERS = ("presidio-analyzer", "presidio-anonymizer")


def configure_logging(level: str) -> None:
    """sealq's log format on stderr; libraries that could echo content stay at INFO or above,
    chatty ones at WARNING or above."""
    logging.basicConfig(level=level, stream=sys.stderr, force=True,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for floor, names in ((logging.INFO, QUIET_LOGGERS), (logging.WARNING, CHATTY_LOGGERS)):
        for name in names:
            logging.getLogger(name).setLevel(max(floor, logging.getLevelName(level)))


def forbid_core_dumps() -> None:
    """No core file from this process or its children (the engine): a dump would hold the
    master keys, cached bucket keys and whatever prompts and results were in memory."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
