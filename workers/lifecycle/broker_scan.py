"""Which jobs still have a generate message in Redis: queued lists and kombu's unacked hash.

Celery on kombu's Redis transport keeps a queue as a list under the queue's name (plus one
list per priority step, `<queue>\\x06\\x16<n>`), and a message a worker took but has not acked
in the `unacked` hash as JSON `[message, exchange, routing_key]`, with the moment it was taken
as its score in the `unacked_index` sorted set. A message's body is base64 JSON
`[args, kwargs, embed]`; a generate message's args are its job ids (one or a group).

A message taken long ago whose job is still queued belongs to a consumer that died before its
claim committed: Redis would hand it back only after the visibility timeout (hours), so a scan
given `taken_since` does not count such messages as present.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection, Iterator
from typing import Any, cast

import redis

from schemas.constants import TASK_GENERATE
from schemas.errors import BrokerUnavailable
from schemas.messages import is_job_id

# Messages read per round trip: bounds memory and how long one command blocks Redis.
SCAN_CHUNK = 1000
# kombu's names (kombu.transport.redis.Channel): the unacked hash and the priority separator.
UNACKED_KEY = "unacked"
UNACKED_INDEX_KEY = "unacked_index"
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)  # step 0 is the plain queue name


def job_ids_of(message: Any) -> list[str]:
    """The job ids a decoded generate message carries; none for anything else."""
    try:
        if message.get("headers", {}).get("task") != TASK_GENERATE:
            return []
        body: Any = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, binascii.Error):
        return []
    if not isinstance(args, list):
        return []
    return [job_id for job_id in args if is_job_id(job_id)]


class RedisBrokerScan:
    """Finds job ids among the messages in Redis, reading in bounded chunks."""

    def __init__(self, broker_url: str, *, chunk: int = SCAN_CHUNK) -> None:
        self._client = redis.Redis.from_url(broker_url, socket_connect_timeout=5,
                                            socket_timeout=30)
        self._chunk = chunk

    def __call__(self, queues: Collection[str], job_ids: Collection[str],
                 taken_since: float | None = None) -> set[str]:
        """Which of `job_ids` have a message waiting in `queues`, or taken but not acked.

        With `taken_since` (Unix time), an unacked message counts only if it was taken at or
        after that moment; one taken earlier is treated as lost.
        """
        wanted = set(job_ids)
        found: set[str] = set()
        if not wanted:
            return found
        try:
            for message in self._messages(queues, taken_since):
                found.update(wanted.intersection(job_ids_of(message)))
                if len(found) == len(wanted):
                    break  # everything asked about is accounted for
        except redis.RedisError as e:
            raise BrokerUnavailable(f"broker unreachable while scanning ({type(e).__name__})") \
                from None
        return found

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def _messages(self, queues: Collection[str], taken_since: float | None) -> Iterator[Any]:
        for queue in queues:
            for key in [queue, *(f"{queue}{PRIORITY_SEPARATOR}{n}" for n in PRIORITY_STEPS)]:
                # LRANGE by index: a list that moves under us (workers popping from the
                # right) can make us miss or repeat a message; a miss only costs a duplicate
                # message, which the job's lease makes harmless.
                start = 0
                while True:
                    chunk = self._client.lrange(key, start, start + self._chunk - 1)
                    for raw in chunk:
                        yield _loads(raw)
                    if len(chunk) < self._chunk:
                        break
                    start += self._chunk
        cursor = 0
        while True:
            cursor, entries = self._client.hscan(UNACKED_KEY, cursor, count=self._chunk)
            # redis-py's stubs allow a list here; HSCAN always answers a mapping.
            parked = cast(dict[bytes, bytes], entries)
            for tag in self._taken_before(list(parked), taken_since):
                del parked[tag]
            for value in parked.values():
                entry = _loads(value)
                yield entry[0] if isinstance(entry, list) and entry else None
            if cursor == 0:
                break

    def _taken_before(self, tags: list[bytes], taken_since: float | None) -> list[bytes]:
        """The delivery tags among `tags` taken before `taken_since`; none without a bound."""
        if taken_since is None or not tags:
            return []
        pipeline = self._client.pipeline(transaction=False)
        for tag in tags:
            pipeline.zscore(UNACKED_INDEX_KEY, tag)
        scores = pipeline.execute()
        # No score (a consumer between its two writes) counts as taken now.
        return [tag for tag, score in zip(tags, scores, strict=True)
                if score is not None and float(score) < taken_since]


def _loads(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None  # not a kombu message: someone else's data under that key
