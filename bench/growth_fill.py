"""A job database aged by SQL: months of history, live work, and the sweeper's next slices.

`fill` writes `rows` jobs in batches of `BATCH_JOBS` with `INSERT ... SELECT FROM
generate_series`. A batch's jobs share its tenant, state and expiry, as a submitted batch's do.
The background mix, by batch number:

| share | what | expires |
| --- | --- | --- |
| 80 % | tombstones: finished, erased (no sealed bytes) | 1 to 20 days ago, kept by retention |
| 12 % | finished, results not yet collected (sealed bytes) | within a day |
| 7 % | queued, waiting for the dispatcher | in a day |
| 1 % | running, lease held | in a day |

(Released-but-not-started jobs are left out: the dispatcher keeps them to a window of the
workers' slots, whatever the table's size.)

On top, per measuring round, two slices the sweeper will take at that round's `now`: `work`
finished jobs just past expiry (to erase) and `work` tombstones just past retention (to drop,
with their batches). Then VACUUM ANALYZE, as autovacuum would leave the tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, text

from bench.backend import TENANT

# Jobs per batch in the fill.
BATCH_JOBS = 100
# Rows per INSERT transaction while filling.
FILL_CHUNK = 200_000
# About what a short sealed prompt, result and outcome take; rows must not be unrealistically
# narrow (TOAST starts near 2 kB, so these stay inline, as most real ones do).
PROMPT_BYTES, RESULT_BYTES, OUTCOME_BYTES, WRAPPED_KEY_BYTES = 600, 400, 80, 60
# Round r's sweep happens at base - (rounds - r) x SLICE_STEP (+1 s): each slice has its minute.
SLICE_STEP = timedelta(minutes=1)

# The category of batch b, by b % 100, and what it makes of its jobs.
_CATEGORY = """
CASE WHEN b % 100 < 80 THEN 'tomb' WHEN b % 100 < 92 THEN 'live' WHEN b % 100 < 99 THEN 'wait'
     ELSE 'run' END
"""
_EXPIRES = """
CASE WHEN cat = 'tomb' THEN CAST(:base AS timestamptz) - interval '1 day'
                            - (b * 7919 % 1641600) * interval '1 second'
     WHEN cat = 'live' THEN CAST(:base AS timestamptz) + interval '1 hour'
                            + (b * 7919 % 80000) * interval '1 second'
     ELSE CAST(:base AS timestamptz) + interval '1 day' END
"""
_TENANT = "CASE WHEN b % 8 = 0 THEN :tenant ELSE 'grow-' || (b % 8) END"

# The f-strings below put in this module's own SQL fragments, never a value.
_BACKGROUND_BATCHES = text(f"""
INSERT INTO batches (id, tenant, kind, queue, submit_key, job_count, created_at, expires_at)
SELECT 'g-' || b, tenant, 'free_text', 'sealq', 'k-g-' || b, :per_batch,
       expires - interval '1 day', expires
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS b
CROSS JOIN LATERAL (SELECT {_CATEGORY} AS cat) AS c
CROSS JOIN LATERAL (SELECT {_EXPIRES} AS expires, {_TENANT} AS tenant) AS e
""")  # noqa: S608

_BACKGROUND_JOBS = text(f"""
INSERT INTO jobs (id, batch_id, tenant, custom_id, position, kind, queue, state, attempts,
                  lease_owner, lease_token, lease_expires_at, created_at, enqueued_at,
                  started_at, finished_at, expires_at, erased_at, sealed_prompt,
                  sealed_result, sealed_outcome, wrapped_key, key_id, error_code,
                  prompt_tokens, completion_tokens, finish_reason)
SELECT md5('grow-' || g), 'g-' || b, tenant, 'g-' || g, g % :per_batch, 'free_text', 'sealq',
       state, CASE WHEN cat = 'wait' THEN 0 ELSE 1 END,
       CASE WHEN cat = 'run' THEN 'bench-worker' END,
       CASE WHEN cat = 'run' THEN md5('lease-' || g) END,
       CASE WHEN cat = 'run' THEN CAST(:base AS timestamptz) + interval '5 minutes' END,
       expires - interval '1 day',
       CASE WHEN cat <> 'wait' THEN expires - interval '1 day' END,
       CASE WHEN cat IN ('tomb', 'live', 'run') THEN expires - interval '1 day' END,
       CASE WHEN cat IN ('tomb', 'live') THEN expires - interval '23 hours' END,
       expires,
       CASE WHEN cat = 'tomb' THEN expires END,
       CASE WHEN cat <> 'tomb' THEN decode(repeat('5a', :prompt_bytes), 'hex') END,
       CASE WHEN cat = 'live' THEN decode(repeat('6b', :result_bytes), 'hex') END,
       CASE WHEN cat = 'live' THEN decode(repeat('7c', :outcome_bytes), 'hex') END,
       CASE WHEN cat <> 'tomb' THEN decode(repeat('8d', :key_bytes), 'hex') END,
       'bench-bucket',
       CASE WHEN state = 'failed' THEN 'engine_error' WHEN state = 'expired' THEN 'expired'
            WHEN state = 'cancelled' THEN 'cancelled' END,
       CASE WHEN cat IN ('tomb', 'live') THEN 300 END,
       CASE WHEN cat IN ('tomb', 'live') THEN 120 END,
       CASE WHEN state = 'succeeded' THEN 'stop' END
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g
CROSS JOIN LATERAL (SELECT g / :per_batch AS b) AS n
CROSS JOIN LATERAL (SELECT {_CATEGORY} AS cat) AS c
CROSS JOIN LATERAL (SELECT {_EXPIRES} AS expires, {_TENANT} AS tenant,
    CASE WHEN cat = 'wait' THEN 'queued' WHEN cat = 'run' THEN 'running'
         WHEN cat = 'live' OR b % 20 < 14 THEN 'succeeded' WHEN b % 20 < 16 THEN 'failed'
         WHEN b % 20 < 19 THEN 'expired' ELSE 'cancelled' END AS state) AS e
""")  # noqa: S608

# One slice of the sweeper's work: finished jobs expiring at :expires, live (`erase`) or
# already tombstones (`drop`), in batches of their own.
_SLICE_BATCHES = text("""
INSERT INTO batches (id, tenant, kind, queue, submit_key, job_count, created_at, expires_at)
SELECT :name || '-' || b, :tenant, 'free_text', 'sealq', 'k-' || :name || '-' || b,
       :per_batch, CAST(:expires AS timestamptz) - interval '1 day', :expires
FROM generate_series(0, CAST(:batches AS bigint) - 1) AS b
""")
_SLICE_JOBS = text("""
INSERT INTO jobs (id, batch_id, tenant, custom_id, position, kind, queue, state, attempts,
                  created_at, enqueued_at, started_at, finished_at, expires_at, erased_at,
                  sealed_prompt, sealed_result, sealed_outcome, wrapped_key, key_id,
                  prompt_tokens, completion_tokens, finish_reason)
SELECT md5(:name || '-' || g), :name || '-' || (g / :per_batch), :tenant, :name || '-' || g,
       g % :per_batch, 'free_text', 'sealq', 'succeeded', 1,
       CAST(:expires AS timestamptz) - interval '1 day',
       CAST(:expires AS timestamptz) - interval '1 day',
       CAST(:expires AS timestamptz) - interval '1 day',
       CAST(:expires AS timestamptz) - interval '23 hours', :expires,
       CASE WHEN :drop THEN CAST(:expires AS timestamptz) END,
       CASE WHEN NOT :drop THEN decode(repeat('5a', :prompt_bytes), 'hex') END,
       CASE WHEN NOT :drop THEN decode(repeat('6b', :result_bytes), 'hex') END,
       CASE WHEN NOT :drop THEN decode(repeat('7c', :outcome_bytes), 'hex') END,
       CASE WHEN NOT :drop THEN decode(repeat('8d', :key_bytes), 'hex') END,
       'bench-bucket', 300, 120, 'stop'
FROM generate_series(0, CAST(:jobs AS bigint) - 1) AS g
""")

_BYTES = {"prompt_bytes": PROMPT_BYTES, "result_bytes": RESULT_BYTES,
          "outcome_bytes": OUTCOME_BYTES, "key_bytes": WRAPPED_KEY_BYTES}


def sweep_time(base: datetime, rounds: int, round_no: int) -> datetime:
    """The `now` of round `round_no`'s sweep (0-based): only that round's slices are due."""
    return base - (rounds - round_no) * SLICE_STEP + timedelta(seconds=1)


def fill(engine: Engine, *, rows: int, work: int, rounds: int, retention: timedelta,
         base: datetime, say: Callable[[str], None]) -> float:
    """`rows` jobs in all: the sweeper's slices for every round, the rest background; seconds."""
    started = time.perf_counter()
    slices = 2 * work * rounds
    background = rows - slices
    if background < BATCH_JOBS:
        raise ValueError(f"{rows} rows cannot hold {slices} rows of sweeper work")
    per_batch = {"per_batch": BATCH_JOBS}
    with engine.begin() as connection:
        connection.execute(_BACKGROUND_BATCHES, {
            **per_batch, "base": base, "tenant": TENANT, "first": 0,
            "last": (background - 1) // BATCH_JOBS})
    for first in range(0, background, FILL_CHUNK):
        last = min(background, first + FILL_CHUNK) - 1
        with engine.begin() as connection:
            connection.execute(_BACKGROUND_JOBS, {**per_batch, **_BYTES, "base": base,
                                                  "tenant": TENANT, "first": first,
                                                  "last": last})
        say(f"growth: {last + 1:,} of {rows:,} jobs inserted")
    for round_no in range(rounds):
        now = sweep_time(base, rounds, round_no)
        # Just past expiry (erase), and just past retention (drop), at this round's sweep.
        for name, expires, drop in (
                (f"erase{round_no}", now - timedelta(seconds=30), False),
                (f"drop{round_no}", now - retention - timedelta(seconds=30), True)):
            slice_ = {**per_batch, **_BYTES, "name": name, "tenant": TENANT,
                      "expires": expires, "drop": drop, "jobs": work,
                      "batches": -(-work // BATCH_JOBS)}
            with engine.begin() as connection:
                connection.execute(_SLICE_BATCHES, slice_)
                connection.execute(_SLICE_JOBS, slice_)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE jobs"))
        connection.execute(text("VACUUM ANALYZE batches"))
    return time.perf_counter() - started
