"""A deep backlog made by SQL, and the plans of the queries that read it.

`fill` inserts waiting jobs with `INSERT ... SELECT FROM generate_series`, spread evenly over
tenants of random weight and the three lanes, with dummy sealed bytes (the dispatcher never
opens them), then vacuums and analyses the tables as autovacuum would leave them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from sqlalchemy import Engine, text

from schemas.constants import DEFAULT_QUEUE
from schemas.states import LANES
from workers.lifecycle.waiting import _TENANTS as TENANTS_SQL  # the skip scan, explained

MAX_WEIGHT = 5
# About what a short sealed prompt takes; the rows must not be unrealistically narrow.
SEALED_PROMPT_BYTES = 600
# Rows per INSERT transaction while filling.
FILL_CHUNK = 200_000
WEIGHT_SEED = 20261203

_FILL_BATCHES = text("""
INSERT INTO batches (id, tenant, kind, queue, priority, submit_key, job_count, created_at,
                     expires_at)
SELECT 'b-' || t.name || '-' || l.lane, t.name, 'free_text', :queue, l.lane,
       'k-' || t.name || '-' || l.lane, 0, now() - interval '1 hour', now() + interval '1 day'
FROM tenants t CROSS JOIN unnest(CAST(:lanes AS text[])) AS l(lane)
WHERE t.name LIKE 'scale-%'
""")
# Tenant and lane from hashes of the row number: evenly spread, the same on every run.
_FILL_JOBS = text("""
INSERT INTO jobs (id, batch_id, tenant, custom_id, position, kind, queue, priority, state,
                  attempts, created_at, expires_at, key_id, sealed_prompt, wrapped_key)
SELECT md5('scale-job-' || g), 'b-' || s.tenant || '-' || s.lane, s.tenant, 'c' || g, g,
       'free_text', :queue, s.lane, 'queued', 0,
       now() - interval '1 hour' + g * interval '1 millisecond', now() + interval '1 day',
       'bench', decode(repeat('5a', :prompt_bytes), 'hex'), decode(repeat('6b', 60), 'hex')
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g
CROSS JOIN LATERAL (
    SELECT 'scale-' || lpad((abs(hashtext('t' || g)) % :tenants)::text, 4, '0') AS tenant,
           (CAST(:lanes AS text[]))[1 + abs(hashtext('l' || g)) % 3] AS lane
) AS s
""")


def fill(engine: Engine, *, jobs: int, tenants: int, say: Callable[[str], None]) -> float:
    """Tenants with random weights, a batch per tenant and lane, `jobs` waiting jobs; seconds."""
    rng = random.Random(WEIGHT_SEED)
    lanes = [lane.value for lane in LANES]
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO tenants (name, weight, created_at) VALUES (:name, :weight, now())"),
            [{"name": f"scale-{i:04d}", "weight": rng.randint(1, MAX_WEIGHT)}
             for i in range(tenants)])
        connection.execute(_FILL_BATCHES, {"queue": DEFAULT_QUEUE, "lanes": lanes})
    for first in range(1, jobs + 1, FILL_CHUNK):
        last = min(jobs, first + FILL_CHUNK - 1)
        with engine.begin() as connection:
            connection.execute(_FILL_JOBS, {"queue": DEFAULT_QUEUE, "lanes": lanes,
                                            "first": first, "last": last, "tenants": tenants,
                                            "prompt_bytes": SEALED_PROMPT_BYTES})
        say(f"scale: {last:,} of {jobs:,} jobs inserted")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE jobs"))
        connection.execute(text("VACUUM ANALYZE batches"))
        connection.execute(text("VACUUM ANALYZE tenants"))
    return time.perf_counter() - started


def explain(engine: Engine, window: int) -> dict[str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the queries that touch waiting jobs, plan text by name;
    next_jobs as the first tenant of a pass asks (up to a whole window)."""
    urgent = LANES[0].value
    with engine.connect() as connection:
        tenant = connection.scalar(text(
            "SELECT min(tenant) FROM jobs WHERE queue = :queue AND priority = :lane "
            "AND state = 'queued' AND enqueued_at IS NULL"), {"queue": DEFAULT_QUEUE,
                                                             "lane": urgent})
    statements = {
        "tenants": (str(TENANTS_SQL), {"queue": DEFAULT_QUEUE, "lane": urgent}),
        "next_jobs": (
            "SELECT id FROM jobs WHERE queue = :queue AND priority = :lane AND tenant = :tenant "
            "AND state = 'queued' AND enqueued_at IS NULL AND expires_at > now() "
            "ORDER BY created_at, batch_id, position LIMIT :limit FOR UPDATE SKIP LOCKED",
            {"queue": DEFAULT_QUEUE, "lane": urgent, "tenant": tenant, "limit": window}),
        "in_flight(released)": (
            "SELECT queue, count(*) FROM jobs WHERE state = 'queued' "
            "AND enqueued_at IS NOT NULL GROUP BY queue", {}),
        "in_flight(running)": (
            "SELECT queue, count(*) FROM jobs WHERE state = 'running' "
            "AND lease_expires_at > now() GROUP BY queue", {}),
    }
    plans = {}
    with engine.connect() as connection:
        for name, (sql, params) in statements.items():
            rows = connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"), params)
            plans[name] = "\n".join(row[0] for row in rows)
    return plans
