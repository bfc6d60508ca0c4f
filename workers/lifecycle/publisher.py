"""Publishing job ids to the broker (the dispatcher's only way out). Ids only, never content."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from schemas.constants import TASK_GENERATE
from schemas.errors import BrokerUnavailable
from schemas.messages import celery_config, message_groups

if TYPE_CHECKING:
    from celery import Celery

# Give up on an unreachable broker after a few quick retries: the jobs are safe in the
# database and the dispatcher releases them again on a later pass.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5,
                        "interval_max": 1.0}

# Messages per pipelined round trip to Redis.
PUBLISH_CHUNK = 500


class Publisher:
    """Publishes generate messages for job ids; Celery is loaded on the first publish."""

    def __init__(self, broker_url: str) -> None:
        self._broker_url = broker_url
        self._celery: Celery | None = None

    @property
    def _app(self) -> Celery:
        if self._celery is None:
            from celery import Celery

            self._celery = Celery("sealq-dispatcher", set_as_current=False)
            self._celery.conf.update(celery_config(self._broker_url))
        return self._celery

    def publish(self, job_ids: Sequence[str], queue: str,
                progress: Callable[[int], None] | None = None, *, per_message: int = 1) -> int:
        """Publish `job_ids` in order on one connection, `per_message` ids to a message (at most
        MAX_MESSAGE_JOBS); returns how many job ids went out.

        Messages go out in pipelined chunks of PUBLISH_CHUNK (kombu's producer batch): one
        round trip per chunk instead of one per message. A chunk that fails is not counted;
        `progress(n)` is told each chunk's job ids as it goes out.
        """
        from kombu.exceptions import KombuError, OperationalError

        messages = message_groups(job_ids, per_message)
        sent = 0
        try:
            with self._app.producer_or_acquire() as producer:
                # Declared once here, not once per message (Celery's default).
                producer.maybe_declare(self._app.amqp.queues[queue], retry=True,
                                       **PUBLISH_RETRY_POLICY)
                for start in range(0, len(messages), PUBLISH_CHUNK):
                    chunk = messages[start:start + PUBLISH_CHUNK]
                    with producer.batch(max_size=len(chunk)):
                        for ids in chunk:
                            # The reprs Flower shows, given so Celery need not build them.
                            self._app.send_task(TASK_GENERATE, args=ids, queue=queue,
                                                producer=producer, declare=[], retry=True,
                                                retry_policy=PUBLISH_RETRY_POLICY,
                                                argsrepr=repr(ids), kwargsrepr="{}")
                    count = sum(len(ids) for ids in chunk)
                    sent += count
                    if progress is not None:
                        progress(count)
        except (OperationalError, KombuError, OSError) as e:
            reason = ("refused by Redis's ACL (check this process's Redis user)"
                      if _acl_refusal(e) else "unreachable")
            raise BrokerUnavailable(f"broker {reason} after {sent} job ids "
                                    f"({type(e).__name__})") from None
        return sent

    def close(self) -> None:
        """Release the broker connections."""
        if self._celery is not None:
            self._celery.close()


def _acl_refusal(error: BaseException | None) -> bool:
    """Whether Redis refused a command by its ACL (NOPERM), here or in a wrapped cause."""
    seen = 0
    while error is not None and seen < 5:
        if type(error).__name__ == "NoPermissionError" or "NOPERM" in str(error):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False
