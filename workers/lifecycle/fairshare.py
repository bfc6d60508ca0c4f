"""Who gets the next free slot: strict lanes with a floor, weighted fair share inside a lane.

Pure decisions, no I/O: the dispatcher asks, takes a job from the answer's tenant, and charges
it only once a job was really taken (a tenant found empty is dropped, not charged).

Lanes: the most urgent lane with work goes first. A lower lane that waits while others are
served counts the releases it was passed over for; at `floor` it gets the next slot. So
urgent work starts ahead of normal and normal ahead of bulk, and a waiting lane gets at least
one job in every `floor` releases: no lane starves.

Tenants: stride scheduling (Waldspurger 1995), the rule behind Temporal's fairness keys. Each
tenant has a pass; the lowest pass gets the slot and its pass grows by 1/weight, so while
tenants stay backlogged their shares of slots follow their weights. A tenant that starts
waiting again enters at the lane's current pass: idle time banks no credit, and a tenant with
nothing waiting simply is not among the candidates, its share going to the others at once.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping

from schemas.states import LANES, Priority


class LaneChooser:
    """Strict priority between lanes, with a floor so a waiting lane never starves."""

    def __init__(self, floor: int) -> None:
        if floor < 2:
            raise ValueError("the lane floor must be at least 2 (1 would ignore priority)")
        self.floor = floor
        self._passed_over = dict.fromkeys(LANES, 0)

    def choose(self, waiting: Collection[Priority]) -> Priority | None:
        """The lane of the next slot among lanes with work waiting, or None if none waits."""
        if not waiting:
            return None
        lanes = [lane for lane in LANES if lane in waiting]
        starved = [lane for lane in lanes[1:] if self._passed_over[lane] >= self.floor - 1]
        if starved:
            # The longest passed over first; between equals, the more urgent.
            return max(starved, key=lambda lane: (self._passed_over[lane], -lane.rank))
        return lanes[0]

    def record(self, served: Priority, waiting: Collection[Priority]) -> None:
        """A job of `served` was released while `waiting` lanes had work."""
        for lane in LANES:
            if lane == served or lane not in waiting:
                self._passed_over[lane] = 0
            else:
                self._passed_over[lane] += 1


class StrideShare:
    """Weighted fair share between the tenants of one lane (stride scheduling)."""

    def __init__(self) -> None:
        self._pass: dict[str, float] = {}
        # The pass of the last tenant served: where a tenant that (re)starts waiting enters.
        self._now = 0.0
        self._heap: list[tuple[float, str]] = []
        self._weights: dict[str, int] = {}

    def start(self, weights: Mapping[str, int]) -> None:
        """Begin a pass over these waiting tenants and their weights (each at least 1)."""
        self._weights = {tenant: max(1, weight) for tenant, weight in weights.items()}
        for tenant in self._weights:
            self._pass[tenant] = max(self._pass.get(tenant, self._now), self._now)
        self._heap = [(self._pass[tenant], tenant) for tenant in self._weights]
        heapq.heapify(self._heap)

    def next(self) -> str | None:
        """The tenant owed the next slot, or None once every tenant was dropped."""
        while self._heap:
            position, tenant = self._heap[0]
            if tenant in self._weights and position == self._pass[tenant]:
                return tenant
            heapq.heappop(self._heap)  # dropped, or charged since this entry was pushed
        return None

    def charge(self, tenant: str) -> None:
        """`tenant` got one slot: its pass moves on by 1/weight."""
        self._now = max(self._now, self._pass[tenant])
        self._pass[tenant] += 1.0 / self._weights[tenant]
        heapq.heappush(self._heap, (self._pass[tenant], tenant))

    def plan(self, slots: int) -> dict[str, int]:
        """How many of the next `slots` slots each tenant would get if none ran dry (the
        state is left as it was): what to read ahead in one round trip."""
        heap = [(self._pass[tenant], tenant) for tenant in self._weights]
        heapq.heapify(heap)
        counts: dict[str, int] = {}
        for _ in range(slots if heap else 0):
            position, tenant = heapq.heappop(heap)
            counts[tenant] = counts.get(tenant, 0) + 1
            heapq.heappush(heap, (position + 1.0 / self._weights[tenant], tenant))
        return counts

    def drop(self, tenant: str) -> None:
        """`tenant` has nothing more waiting: no more slots this pass, no charge."""
        self._weights.pop(tenant, None)

    def forget_idle(self, keep: Collection[str]) -> None:
        """Forget passes of tenants not in `keep` that are not ahead of the lane's pass.

        Their entry pass would be the lane's pass anyway; tenants ahead keep their debt.
        """
        keep = set(keep)
        for tenant in [t for t, p in self._pass.items() if t not in keep and p <= self._now]:
            del self._pass[tenant]
