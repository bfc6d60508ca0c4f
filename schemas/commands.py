"""How a `sealq` command is named before it is loaded: where it lives and its one-line help.

The CLI front lists commands from these references and imports a command's module only when
that command runs or shows its own help, so `sealq status` never pays for Celery or vLLM.
Producer commands are listed in `producer.cli.COMMANDS`; worker-side ones are found through
the `sealq.commands` entry points, each pointing at a CommandRef in `workers.commands`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandRef:
    """A command by reference: `target` is "package.module:attribute" (a function or a Typer)."""

    target: str
    # The line `sealq --help` shows; a test keeps it equal to the command's own first line.
    help: str
    # The heading it is listed under in `sealq --help`.
    panel: str

    @property
    def module(self) -> str:
        """The module to import."""
        return self.target.partition(":")[0]

    @property
    def attribute(self) -> str:
        """The attribute of that module holding the command."""
        return self.target.partition(":")[2]
