"""The `sealq` command line: every command registered by reference, loaded when it is used.

To add a command or a command group, add one CommandRef to COMMANDS below (its module holds a
typer function, or a typer.Typer for a group such as `sealq keys`); import heavy modules inside
the command functions. Worker-side commands register through the `sealq.commands` entry points
(see workers/commands.py), so `producer` never imports `workers`.
"""

from __future__ import annotations

import os

import typer

from producer.cli_group import LazyGroup
from schemas.cli_common import fail
from schemas.commands import CommandRef
from schemas.constants import EXIT_CONFIG
from schemas.errors import BrokerUnavailable, ConfigError

# Headings of `sealq --help`; workers/commands.py uses the same ones for its commands.
BATCHES, GATEWAY, SETUP = "Batches", "Gateway", "Setup"

COMMANDS: dict[str, CommandRef] = {
    "submit": CommandRef("producer.commands.jobs:submit", panel=BATCHES,
                         help="Validate, seal and store a batch in its lane for the dispatcher; "
                         "prints the batch id."),
    "batches": CommandRef("producer.commands.jobs:batches", panel=BATCHES,
                          help="List batches, newest first: tenant, kind, created, expiry and "
                          "jobs per state."),
    "status": CommandRef("producer.commands.jobs:status", panel=BATCHES,
                         help="Jobs per state for a batch."),
    "wait": CommandRef("producer.commands.jobs:wait", panel=BATCHES,
                       help="Wait until every job of the batch is finished (exit 0), or the "
                       "timeout (exit 1)."),
    "results": CommandRef("producer.commands.jobs:results", panel=BATCHES,
                          help="Write the batch's decrypted results in OpenAI Batch output "
                          "shape."),
    "cancel": CommandRef("producer.commands.jobs:cancel", panel=BATCHES,
                         help="Cancel a batch's unfinished jobs, or one job; their sealed data "
                         "is erased at once."),
    "api": CommandRef("producer.commands.gateway:api_command", panel=GATEWAY,
                      help="Serve the OpenAI-compatible Batch API to tenants (put a TLS proxy "
                      "in front)."),
    "tenant": CommandRef("producer.commands.gateway:tenant_app", panel=GATEWAY,
                         help="Tenants: who may use the gateway, their weights and limits."),
    "apikey": CommandRef("producer.commands.gateway:apikey_app", panel=GATEWAY,
                         help="API keys: issue (shown once), list, revoke."),
    "audit": CommandRef("producer.commands.gateway:audit_command", panel=GATEWAY,
                        help="The gateway's audit trail: who called what, on which ids, and "
                        "how it ended."),
    "keys": CommandRef("producer.commands.keys:keys_app", panel=SETUP,
                       help="Keys: create and rotate the master key file, shred a job."),
    "db": CommandRef("producer.commands.db:db_app", panel=SETUP, help="Job database schema."),
    "demo": CommandRef("producer.demo:demo_command", panel=SETUP,
                       help="Run a batch end to end on the embedded default and print the "
                       "decrypted results."),
}


class SealqGroup(LazyGroup):
    """The `sealq` group: the producer's commands above, the worker side's by entry point."""

    refs = COMMANDS


app = typer.Typer(name="sealq", cls=SealqGroup, no_args_is_help=True, add_completion=False,
                  help="A sealed job queue for LLM inference.")


@app.callback()
def _sealq() -> None:
    """A sealed job queue for LLM inference."""
    # Before any command: a SEALQ_* name sealq does not know stops it (exit 2). Env files
    # are checked where they are read, with the settings.
    from schemas.environment import check_sealq_variables

    try:
        check_sealq_variables(os.environ, None)
    except ConfigError as e:
        fail(str(e), EXIT_CONFIG)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except BrokerUnavailable as e:
        fail(str(e))
