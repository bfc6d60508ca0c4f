"""The dispatcher: jobs wait in the database; it releases a small window of them to Redis, fairly.

Each pass, per queue with live workers: the window is the workers' slots plus a little
headroom, minus what is already in flight (released and not started, or running under a live
lease). Free slots go to lanes and tenants by `workers.lifecycle.fairshare`; the chosen jobs
are marked released in one transaction, then published. A publish that fails puts its jobs
back to waiting; a dispatcher that dies between the two leaves jobs marked but unsent, which
the reconciler finds missing from Redis and puts back. Only the reconciler puts released jobs
back and only the dispatcher releases waiting ones: they never act on the same job.

One dispatcher is active at a time: it holds a lease row in the database and renews it every
second; a standby takes over when it lapses. Two active at once (a stalled one waking up)
stay harmless: a job is marked released by one conditional UPDATE, and a duplicate message
would only meet the worker's claim, which lets one attempt run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from schemas import constants
from schemas.db import store_errors
from schemas.errors import BrokerUnavailable, StoreError
from schemas.messages import MAX_MESSAGE_JOBS
from schemas.states import Priority
from schemas.tables import DispatcherLease
from workers.lifecycle.fairshare import LaneChooser, StrideShare
from workers.lifecycle.waiting import WaitingJobs, window_for
from workers.lifecycle.wakeup import Wakeups

log = logging.getLogger("sealq.dispatcher")


class Publish(Protocol):
    """Publish job ids to a queue, `per_message` to a message, calling progress(n) as chunks
    of them go out; returns how many went out (workers.lifecycle.publisher.Publisher)."""

    def __call__(self, job_ids: Sequence[str], queue: str, progress: Callable[[int], None],
                 *, per_message: int) -> int: ...


Clock = Callable[[], datetime]

LEASE_NAME = "dispatcher"
# The lease (and the health it carries) is written at most this often.
RENEW_EVERY = timedelta(seconds=1)
# A standby looks at the lease this often.
STANDBY_INTERVAL_SECONDS = 2.0
# After a database or broker failure, wait this long before the next pass (doubling to the max).
RETRY_INTERVAL_SECONDS = (0.5, 5.0)
# A lane's waiting tenants are read again after this long: a tenant that starts waiting gets
# its share within it (one that runs dry leaves at once).
TENANTS_FRESH = timedelta(seconds=1)
# A weight changed with `sealq tenant set` counts within this long.
WEIGHTS_FRESH = timedelta(seconds=5)
# A pass's released jobs go out in at least this many messages, up to MAX_MESSAGE_JOBS job ids
# each: a worker runs a message's jobs as one group (one claim, one finish, one message's
# handling), and the messages still spread over the workers. A pass releasing fewer than twice
# this many (steady state, a small fleet) sends one job id per message.
MESSAGES_PER_PASS = 16
# Stale worker rows are deleted at most this often.
FORGET_WORKERS_EVERY = timedelta(minutes=10)


@dataclass(slots=True)
class _Buffer:
    """A tenant's job ids read ahead in one pass."""

    ids: deque[str]
    asked: int  # how many were asked for (read on from there)
    complete: bool  # fewer came back than asked: the tenant has no more waiting


@dataclass(frozen=True, slots=True)
class QueueWindow:
    """One queue at one pass: live worker slots, the window they get, what is in flight."""

    slots: int
    window: int
    in_flight: int
    released: int = 0

    def as_dict(self) -> dict[str, int]:
        """Plain JSON-ready values."""
        return {"slots": self.slots, "window": self.window, "in_flight": self.in_flight,
                "released": self.released}


@dataclass(frozen=True, slots=True)
class DispatchReport:
    """What one pass did."""

    active: bool  # False: another dispatcher holds the lease; this one stands by
    released: int = 0
    windows: dict[str, QueueWindow] = field(default_factory=dict)
    broker_error: str | None = None


def per_message(released: int) -> int:
    """Job ids per message for a pass that releases `released` jobs to one queue."""
    return max(1, min(MAX_MESSAGE_JOBS, released // MESSAGES_PER_PASS))


class Dispatcher:
    """Releases waiting jobs to the broker fairly; `now` always comes from the caller."""

    def __init__(self, jobs_db: Engine, publish: Publish, *, owner: str,
                 headroom: float = constants.DEFAULT_DISPATCH_HEADROOM,
                 lane_floor: int = constants.DEFAULT_DISPATCH_LANE_FLOOR,
                 lease_seconds: int = constants.DISPATCHER_LEASE_SECONDS,
                 worker_stale_seconds: int = constants.WORKER_STALE_SECONDS) -> None:
        self._jobs_db = jobs_db
        self._waiting = WaitingJobs(jobs_db)
        self._publish = publish
        self.owner = owner
        self.headroom = headroom
        self.lane_floor = lane_floor
        self._lease = timedelta(seconds=lease_seconds)
        self._worker_stale = timedelta(seconds=worker_stale_seconds)
        self._lanes: dict[str, LaneChooser] = {}
        self._shares: dict[tuple[str, Priority], StrideShare] = {}
        self._renew_at: datetime | None = None
        self._unrecorded = 0  # released since the lease row was last written
        self._last_release: datetime | None = None
        self._windows: dict[str, QueueWindow] = {}
        self._tenant_cache: dict[tuple[str, Priority], tuple[datetime, list[str]]] = {}
        self._weights_read: tuple[datetime, dict[str, int]] | None = None
        self._forget_at: datetime | None = None

    def pass_once(self, now: datetime) -> DispatchReport:
        """One pass at `now`: hold the lease, then fill every queue's free slots."""
        if not self._hold_lease(now):
            return DispatchReport(active=False)
        slots = self._waiting.live_slots(now, self._worker_stale)
        in_flight = self._waiting.in_flight(now)
        windows: dict[str, QueueWindow] = {}
        total = 0
        error = None
        for queue in sorted(slots):
            window = window_for(slots[queue], self.headroom, constants.DISPATCH_MIN_HEADROOM)
            busy = in_flight.get(queue, 0)
            released = 0
            if window > busy and error is None:
                try:
                    released = self._release(queue, self._choose(queue, window - busy, now),
                                             now)
                except BrokerUnavailable as e:
                    error = str(e)
            windows[queue] = QueueWindow(slots[queue], window, busy, released)
            total += released
        if total:
            self._unrecorded += total
            self._last_release = now
        self._windows = windows
        if self._forget_at is None or now >= self._forget_at:
            self._forget_at = now + FORGET_WORKERS_EVERY
            self._waiting.forget_workers(now)
        return DispatchReport(active=True, released=total, windows=windows, broker_error=error)

    def _choose(self, queue: str, free: int, now: datetime) -> list[str]:
        """Up to `free` job ids of `queue`, in the order lanes and shares give them slots."""
        waiting = self._waiting.lanes_with_work(queue)
        lanes = self._lanes.setdefault(queue, LaneChooser(self.lane_floor))
        weights = self._weights(now)
        buffers: dict[tuple[Priority, str], _Buffer] = {}
        started: set[Priority] = set()
        rescanned: set[Priority] = set()
        chosen: list[str] = []
        picked: set[str] = set()

        def start(lane: Priority, share: StrideShare) -> None:
            """The lane's tenants into its share; what they would take read in one trip."""
            tenants = self._tenants(queue, lane, now)
            share.start({tenant: weights.get(tenant, 1) for tenant in tenants})
            share.forget_idle(tenants)
            plan = share.plan(free - len(chosen))
            for name, ids in self._waiting.next_jobs(queue, lane, plan, now).items():
                buffers[lane, name] = _Buffer(deque(ids), plan[name], len(ids) < plan[name])

        while len(chosen) < free:
            lane = lanes.choose(waiting)
            if lane is None:
                break
            share = self._shares.setdefault((queue, lane), StrideShare())
            if lane not in started:
                started.add(lane)
                start(lane, share)
            tenant = share.next()
            if tenant is None and lane not in rescanned:
                # The kept list ran dry while the lane still has work (a tenant started
                # waiting since it was read): read it anew once, now.
                rescanned.add(lane)
                self._tenant_cache.pop((queue, lane), None)
                start(lane, share)
                continue
            if tenant is None:
                waiting.discard(lane)
                continue
            buffer = buffers.get((lane, tenant))
            if buffer is None or (not buffer.ids and not buffer.complete):
                # More than planned (others ran dry): read on past what was read before.
                skip, need = (buffer.asked if buffer else 0), free - len(chosen)
                ids = self._waiting.next_jobs(queue, lane, {tenant: skip + need},
                                              now)[tenant][skip:]
                buffer = buffers[lane, tenant] = _Buffer(deque(ids), skip + need,
                                                         len(ids) < need)
            if not buffer.ids:
                share.drop(tenant)
                self._forget_tenant(queue, lane, tenant)
                continue
            job_id = buffer.ids.popleft()
            if job_id in picked:
                continue  # read twice after a rescan: it already has its slot
            picked.add(job_id)
            chosen.append(job_id)
            share.charge(tenant)
            lanes.record(lane, waiting)
        return chosen

    def _tenants(self, queue: str, lane: Priority, now: datetime) -> list[str]:
        """The lane's waiting tenants, read at most every TENANTS_FRESH (a skip scan costs a
        probe per tenant); a tenant found empty is dropped from it at once."""
        cached = self._tenant_cache.get((queue, lane))
        if cached is None or now >= cached[0]:
            cached = (now + TENANTS_FRESH, self._waiting.tenants(queue, lane))
            self._tenant_cache[queue, lane] = cached
        return cached[1]

    def _forget_tenant(self, queue: str, lane: Priority, tenant: str) -> None:
        cached = self._tenant_cache.get((queue, lane))
        if cached is not None and tenant in cached[1]:
            cached[1].remove(tenant)

    def _weights(self, now: datetime) -> dict[str, int]:
        """Tenants' weights, read at most every WEIGHTS_FRESH."""
        if self._weights_read is None or now >= self._weights_read[0]:
            self._weights_read = (now + WEIGHTS_FRESH, self._waiting.weights())
        return self._weights_read[1]

    def _release(self, queue: str, chosen: list[str], now: datetime) -> int:
        """Mark the chosen jobs released, publish them in the chosen order; returns how many
        went out. On a broker failure the unsent ones wait again and BrokerUnavailable rises."""
        if not chosen:
            return 0
        marked = set(self._waiting.mark_released(chosen, now))
        ordered = [job_id for job_id in chosen if job_id in marked]
        sent = 0

        def progress(count: int) -> None:
            nonlocal sent
            sent += count

        try:
            self._publish(ordered, queue, progress, per_message=per_message(len(ordered)))
        except BrokerUnavailable:
            self._waiting.unmark(ordered[sent:], now)
            self._unrecorded += sent
            raise
        return len(ordered)

    def _hold_lease(self, now: datetime) -> bool:
        """Take or renew the lease (at most every RENEW_EVERY), writing the last pass's
        health with it; False if another dispatcher holds it."""
        if self._renew_at is not None and now < self._renew_at:
            return True
        values = {"owner": self.owner, "lease_expires_at": now + self._lease,
                  "passed_at": now, "released_total":
                  DispatcherLease.released_total + self._unrecorded,
                  "windows": {queue: w.as_dict() for queue, w in self._windows.items()}}
        if self._last_release is not None:
            values["released_at"] = self._last_release
        with store_errors(), Session(self._jobs_db) as session, session.begin():
            result = session.execute(
                update(DispatcherLease)
                .where(DispatcherLease.name == LEASE_NAME,
                       or_(DispatcherLease.owner == self.owner,
                           DispatcherLease.lease_expires_at <= now))
                .values(**values).execution_options(synchronize_session=False))
            held = bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult
        if not held:
            held = self._first_lease(now)
        if held:
            if self._renew_at is None:
                log.info("dispatcher %s is active", self.owner)
            self._renew_at = now + RENEW_EVERY
            self._unrecorded = 0
        elif self._renew_at is not None:
            log.warning("dispatcher %s lost its lease; standing by", self.owner)
            self._renew_at = None
        return held

    def _first_lease(self, now: datetime) -> bool:
        """Create the lease row if there is none; False if another dispatcher holds it."""
        try:
            with store_errors(), Session(self._jobs_db) as session, session.begin():
                if session.get(DispatcherLease, LEASE_NAME) is not None:
                    return False
                session.add(DispatcherLease(
                    name=LEASE_NAME, owner=self.owner, lease_expires_at=now + self._lease,
                    passed_at=now, released_total=0))
        except StoreError as e:
            if isinstance(e.__cause__, IntegrityError):
                return False  # another dispatcher created it first
            raise
        return True

    def resign(self, now: datetime) -> None:
        """Give the lease up (on a clean stop) so a standby takes over at once."""
        if self._renew_at is None:
            return
        with store_errors(), Session(self._jobs_db) as session, session.begin():
            session.execute(update(DispatcherLease)
                            .where(DispatcherLease.name == LEASE_NAME,
                                   DispatcherLease.owner == self.owner)
                            .values(lease_expires_at=now,
                                    released_total=DispatcherLease.released_total
                                    + self._unrecorded))
        self._renew_at = None

    def run(self, stop: threading.Event, clock: Clock,
            interval: float = constants.DISPATCH_INTERVAL_SECONDS,
            wakeups: Wakeups | None = None) -> None:
        """Pass after pass until `stop` is set; database and broker failures are waited out.

        Without `wakeups` a pass follows every `interval`. With them, an active dispatcher
        passes when a commit asks for it (no sooner than DISPATCH_GAP_SECONDS after its last
        pass began) or after DISPATCH_IDLE_SECONDS of quiet.
        """
        retry = RETRY_INTERVAL_SECONDS[0]
        while not stop.is_set():
            wait = interval
            began = time.monotonic()
            ear = None  # set after a good active pass: then a wake-up ends the wait
            try:
                report = self.pass_once(clock())
            except StoreError as e:
                log.warning("dispatcher: %s; trying again in %.1f s", e, retry)
                wait, retry = retry, min(retry * 2, RETRY_INTERVAL_SECONDS[1])
                self._renew_at = None  # hold the lease anew once the database is back
            except Exception as e:  # noqa: BLE001  # a dispatcher that stops releases nothing
                # The type only: a driver's message may quote statement parameters.
                log.error("dispatcher: pass failed (%s); trying again in %.1f s",
                          type(e).__name__, retry)
                wait, retry = retry, min(retry * 2, RETRY_INTERVAL_SECONDS[1])
                self._renew_at = None
            else:
                if report.broker_error:
                    log.warning("dispatcher: %s; trying again in %.1f s", report.broker_error,
                                retry)
                    wait, retry = retry, min(retry * 2, RETRY_INTERVAL_SECONDS[1])
                else:
                    retry = RETRY_INTERVAL_SECONDS[0]
                    if not report.active:
                        wait = STANDBY_INTERVAL_SECONDS
                    if report.active:
                        ear = wakeups
            if ear is not None:
                ear.wait(stop, constants.DISPATCH_IDLE_SECONDS, deaf_seconds=interval)
                stop.wait(began + constants.DISPATCH_GAP_SECONDS - time.monotonic())
            else:
                stop.wait(wait)
        try:
            self.resign(clock())
        except StoreError as e:
            log.warning("dispatcher: could not give up the lease (%s); it lapses by itself", e)
