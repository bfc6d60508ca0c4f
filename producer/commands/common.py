"""What the producer's commands share: handles from settings, errors as one line and a code.

Heavy modules (the sealing stack, Celery, rich) are imported inside the functions that need
them, so a light command such as `sealq status --json` never loads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from schemas import constants
from schemas.cli_common import fail, settings_or_exit
from schemas.errors import ConfigError, SealqError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from producer.client import Client
    from producer.tracker import Tracker


def open_tracker(env_file: Path | None) -> Tracker:
    """A Tracker on the configured job database, or a one-line error and exit code 2."""
    from producer.tracker import Tracker

    return Tracker.from_settings(settings_or_exit(env_file))


def open_client(env_file: Path | None) -> Client:
    """A full producer Client (keys, broker, kinds), or a one-line error and exit code."""
    from producer.client import Client
    from schemas.cli_common import forbid_core_dumps

    settings = settings_or_exit(env_file)
    forbid_core_dumps()  # this process is about to hold keys and, for results, plaintext
    try:
        return Client.from_settings(settings)
    except ConfigError as e:
        fail(str(e), constants.EXIT_CONFIG)
    except SealqError as e:
        fail(str(e))


@contextmanager
def errors() -> Iterator[None]:
    """Turn sealq's errors into one line on stderr and an exit code (2 for configuration)."""
    try:
        yield
    except ConfigError as e:
        fail(str(e), constants.EXIT_CONFIG)
    except SealqError as e:
        fail(str(e))


@cache
def stderr() -> Console:
    """The console for messages and progress (stdout carries only results)."""
    from rich.console import Console

    return Console(stderr=True)


def progress() -> Progress:
    """A progress bar on stderr when it is a terminal; silent otherwise."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = stderr()
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, disable=not console.is_terminal)
