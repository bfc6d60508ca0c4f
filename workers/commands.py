"""The worker side's `sealq` commands, by reference: the `sealq.commands` entry points.

Each entry point names one CommandRef here, so listing the commands imports only this module;
a command's own module (Celery, the engine, Flower) is imported when that command runs.
"""

from __future__ import annotations

from schemas.commands import CommandRef

# Headings of `sealq --help` (the producer's commands use the same ones).
SETUP, WORKERS, OPERATORS = "Setup", "Workers", "Operators"

worker = CommandRef("workers.cli:worker_command", panel=WORKERS,
                    help="Serve jobs: load the model once, then run many jobs at a time on it.")
beat = CommandRef("workers.lifecycle.cli:beat_command", panel=WORKERS,
                  help="Run the sweeper and the reconciler on schedule, and the dispatcher.")
dispatch = CommandRef("workers.lifecycle.cli:dispatch_command", panel=WORKERS,
                      help="Release waiting jobs to the workers fairly: lanes, tenant weights, "
                      "a bounded window.")
purge = CommandRef("workers.lifecycle.cli:purge_command", panel=WORKERS,
                   help="Run the sweeper once now: erase expired jobs' sealed parts, destroy "
                   "ended bucket keys.")
policy = CommandRef("workers.policy.cli:policy_app", panel=WORKERS,
                    help="Check requests or outputs against a kind's policy locally (no queue, "
                    "no model).")
model = CommandRef("workers.model:model_app", panel=SETUP,
                   help="Manage the model the workers load.")
flower = CommandRef("workers.ops.cli:flower_command", panel=OPERATORS,
                    help="Start Flower on the broker; refuses to start without authentication.")
exporter = CommandRef("workers.ops.cli:exporter_command", panel=OPERATORS,
                      help="Serve sealq's Prometheus metrics: backlog by lane and tenant, "
                      "states, dispatcher health.")
