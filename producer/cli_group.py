"""A command group that loads each command's module only when that command is used.

`sealq --help` lists every command from its CommandRef (name, one line, panel) without
importing anything; `sealq status ...` imports the status command's module and nothing else.
Worker-side commands come from the `sealq.commands` entry points, read only when a name is not
one of the producer's own or when the whole list is shown.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import typer
from typer._click import Command, Context  # typer's own click: the types TyperGroup uses
from typer.core import TyperCommand, TyperGroup

from schemas.cli_common import fail
from schemas.commands import CommandRef
from schemas.constants import EXIT_CONFIG

PLUGIN_GROUP = "sealq.commands"


class CommandStub(TyperCommand):
    """Stands in for a command in listings: its name, help line and panel; nothing imported."""

    def __init__(self, name: str, ref: CommandRef) -> None:
        super().__init__(name, help=ref.help, short_help=ref.help, rich_help_panel=ref.panel)
        self.ref = ref


def load_command(name: str, ref: CommandRef) -> Command:
    """The click command behind a reference: imports its module now (ImportError if absent)."""
    target = getattr(importlib.import_module(ref.module), ref.attribute)
    return as_click_command(name, target, ref.panel)


def as_click_command(name: str, target: typer.Typer | Callable[..., Any],
                     panel: str | None) -> Command:
    """A typer function or a Typer app as the click command Typer would build for it."""
    if isinstance(target, typer.Typer):
        command = typer.main.get_command(target)
    else:
        wrapper = typer.Typer(add_completion=False)
        wrapper.command(name, rich_help_panel=panel)(target)
        command = typer.main.get_command(wrapper)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """A TyperGroup whose commands are CommandRefs until one is run or asked for its help.

    Subclasses set `refs` (their own commands, in listing order); entry points of
    PLUGIN_GROUP add the others. Each command is imported at most once per process.
    """

    refs: ClassVar[Mapping[str, CommandRef]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._plugins_read = False
        for name, ref in self.refs.items():
            self.commands.setdefault(name, CommandStub(name, ref))

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        """The command (a stub until resolved); entry points are read only for unknown names."""
        if cmd_name not in self.commands:
            self._read_plugins()
        return self.commands.get(cmd_name)

    def list_commands(self, ctx: Context) -> list[str]:
        """Every command name, the producer's first, then the entry points' in their order."""
        self._read_plugins()
        return list(self.commands)

    def resolve_command(self, ctx: Context,
                        args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        """Resolve as Typer does, then swap a stub for its real command (imported now)."""
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, CommandStub) and name is not None:
            ref = command.ref
            try:
                command = load_command(name, ref)
            except ImportError as e:
                fail(f"`sealq {name}` is not available here: {ref.module} cannot be imported "
                     f"({e.name or e} is missing)", EXIT_CONFIG)
            self.commands[name] = command
        return name, command, rest

    def _read_plugins(self) -> None:
        if self._plugins_read:
            return
        self._plugins_read = True
        from importlib.metadata import entry_points

        for entry in entry_points(group=PLUGIN_GROUP):
            if entry.name in self.commands:
                continue  # the producer's own command of that name wins
            try:
                target = entry.load()
            except ImportError:
                continue  # that side of sealq is not installed here
            if isinstance(target, CommandRef):
                self.commands[entry.name] = CommandStub(entry.name, target)
            else:
                # An entry point naming the command itself (an install made before the
                # references existed): already imported, so use it as it is.
                self.commands[entry.name] = as_click_command(entry.name, target, None)
