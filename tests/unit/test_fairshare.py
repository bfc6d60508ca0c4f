"""Lanes and weighted fair share, decided without a database."""

from __future__ import annotations

from collections import Counter

import pytest

from schemas.states import Priority
from workers.lifecycle.fairshare import LaneChooser, StrideShare

URGENT, NORMAL, BULK = Priority.URGENT, Priority.NORMAL, Priority.BULK


def serve(share: StrideShare, slots: int) -> Counter[str]:
    """Give `slots` slots, every tenant always having work."""
    got: Counter[str] = Counter()
    for _ in range(slots):
        tenant = share.next()
        assert tenant is not None
        share.charge(tenant)
        got[tenant] += 1
    return got


def test_shares_follow_weights() -> None:
    """Backlogged tenants get slots in proportion to their weights."""
    share = StrideShare()
    share.start({"a": 3, "b": 1})
    assert serve(share, 400) == {"a": 300, "b": 100}


def test_equal_weights_alternate() -> None:
    """Equal weights interleave one by one, whatever the order tenants are named in."""
    share = StrideShare()
    share.start({"b": 1, "a": 1, "c": 1})
    order = [serve(share, 1).most_common(1)[0][0] for _ in range(6)]
    assert sorted(order[:3]) == ["a", "b", "c"] and sorted(order[3:]) == ["a", "b", "c"]


def test_dropped_tenant_gives_its_share_at_once() -> None:
    """A tenant found empty gets nothing more; the others take every slot."""
    share = StrideShare()
    share.start({"a": 1, "b": 1})
    share.drop("a")
    assert serve(share, 10) == {"b": 10}


def test_idle_time_banks_no_credit() -> None:
    """A tenant that starts waiting after others ran enters at their pass, not at zero."""
    share = StrideShare()
    share.start({"a": 1})
    serve(share, 1000)
    share.start({"a": 1, "b": 1})
    assert serve(share, 100) == {"a": 50, "b": 50}


def test_a_tenant_ahead_keeps_its_debt() -> None:
    """Leaving and coming back does not wipe a pass that is ahead of the lane's."""
    share = StrideShare()
    share.start({"a": 1, "c": 100})
    serve(share, 2)  # a takes one slot: its pass jumps to 1; c's moves by 0.01
    share.start({"c": 100})
    serve(share, 10)
    share.start({"a": 1, "c": 100})
    assert serve(share, 50) == {"c": 50}


def test_next_is_none_when_all_dropped() -> None:
    """No candidate left: None."""
    share = StrideShare()
    share.start({"a": 1})
    share.drop("a")
    assert share.next() is None


def test_urgent_goes_first_while_it_waits() -> None:
    """With urgent and normal waiting, urgent gets every slot until the floor."""
    lanes = LaneChooser(floor=20)
    picks = []
    for _ in range(19):
        lane = lanes.choose({URGENT, NORMAL})
        assert lane is not None
        lanes.record(lane, {URGENT, NORMAL})
        picks.append(lane)
    assert picks == [URGENT] * 19


def test_a_waiting_lane_gets_one_in_floor() -> None:
    """Bulk waiting behind urgent and normal still gets one slot in every `floor`."""
    lanes = LaneChooser(floor=10)
    waiting = {URGENT, NORMAL, BULK}
    picks = []
    for _ in range(1000):
        lane = lanes.choose(waiting)
        assert lane is not None
        lanes.record(lane, waiting)
        picks.append(lane)
    for lane in (NORMAL, BULK):
        served = [i for i, pick in enumerate(picks) if pick == lane]
        gaps = [b - a for a, b in zip([-1, *served], served, strict=False)]
        assert max(gaps) <= 11  # the floor, plus one slot the other lower lane took first
        assert len(served) >= 90
    assert Counter(picks)[URGENT] >= 800


def test_an_idle_lane_does_not_bank_releases() -> None:
    """A lane that had no work is not owed slots when work arrives."""
    lanes = LaneChooser(floor=5)
    for _ in range(50):
        lanes.record(URGENT, {URGENT})
    assert lanes.choose({URGENT, BULK}) == URGENT


def test_floor_below_two_is_refused() -> None:
    """A floor of 1 would make priority meaningless."""
    with pytest.raises(ValueError, match="at least 2"):
        LaneChooser(floor=1)


def test_plan_predicts_the_picks_without_taking_them() -> None:
    """plan() says what the next picks would be and leaves the passes untouched."""
    share = StrideShare()
    share.start({"a": 3, "b": 1})
    assert share.plan(8) == {"a": 6, "b": 2}
    assert share.plan(8) == {"a": 6, "b": 2}
    assert serve(share, 8) == {"a": 6, "b": 2}
