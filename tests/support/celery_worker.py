"""A sealq worker's Celery side, exactly as `sealq worker` sets it up, with an instant engine.

Run as a script: `python tests/support/celery_worker.py HOSTNAME QUEUE [--no-task-events]` with
SEALQ_BROKER_URL set. Every task succeeds at once, so Redis traffic (consume, ack, events, remote
control) is a real worker's without loading a model or touching a database.
"""

from __future__ import annotations

import os
import sys


class InstantGenerator:
    """Stands in for the job runner: every job succeeds at once."""

    def run(self, job_id: str) -> str:
        """Pretend to run the job."""
        return "succeeded"

    def run_many(self, job_ids: list[str]) -> list[str]:
        """Pretend to run a message's jobs."""
        return [self.run(job_id) for job_id in job_ids]


def main() -> None:
    """Start the worker (until SIGTERM)."""
    from workers.app import build_worker, create_app, runtime

    hostname, queue = sys.argv[1], sys.argv[2]
    runtime.generator = InstantGenerator()  # type: ignore[assignment]  # duck-typed stand-in
    app = create_app(os.environ["SEALQ_BROKER_URL"])
    build_worker(app, concurrency=2, queues=[queue], hostname=hostname, loglevel="INFO",
                 optimization="fair", task_events="--no-task-events" not in sys.argv).start()


if __name__ == "__main__":
    main()
