"""The timebox warning schedule and duration checks, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.core.errors import UserError
from handlers.timebox.plan import box_length, warnings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _plan(minutes: float) -> list[tuple[str, timedelta, timedelta]]:
    return [(w.kind, w.at - T0, w.remaining) for w in warnings(T0, T0 + timedelta(minutes=minutes))]


def test_long_boxes_warn_at_half_time_at_five_minutes_left_and_at_the_end() -> None:
    assert _plan(60) == [("half", timedelta(minutes=30), timedelta(minutes=30)),
                         ("left", timedelta(minutes=55), timedelta(minutes=5)),
                         ("end", timedelta(minutes=60), timedelta(0))]
    assert _plan(25)[1] == ("left", timedelta(minutes=20), timedelta(minutes=5))


def test_short_boxes_warn_when_20_percent_is_left() -> None:
    assert _plan(10) == [("half", timedelta(minutes=5), timedelta(minutes=5)),
                         ("left", timedelta(minutes=8), timedelta(minutes=2)),
                         ("end", timedelta(minutes=10), timedelta(0))]
    assert [(k, at.total_seconds()) for k, at, _ in _plan(1)] == [("half", 30), ("left", 48), ("end", 60)]


def test_warnings_are_in_order_for_every_length() -> None:
    for minutes in range(1, 8 * 60 + 1):
        plan = warnings(T0, T0 + timedelta(minutes=minutes))
        assert [w.kind for w in plan] == ["half", "left", "end"], minutes
        assert plan[0].at < plan[1].at < plan[2].at, minutes


def test_a_stale_warning_may_be_late_by_at_most_a_minute_or_the_gap_to_the_next() -> None:
    half, left, end = warnings(T0, T0 + timedelta(minutes=1))
    assert half.skip_if_late_by == 18 and left.skip_if_late_by == 12 and end.skip_if_late_by is None
    half, left, _ = warnings(T0, T0 + timedelta(hours=2))
    assert half.skip_if_late_by == 60 and left.skip_if_late_by == 60


@pytest.mark.parametrize(("text", "message"), [
    ("0", "longer than zero"), ("0m", "longer than zero"), ("-5m", "can't be negative"),
    ("8h1m", "at most 8h"), ("3 days", "at most 8h"), ("45s", "at least a minute"), ("soon", "couldn't read"),
    ("", "I need a duration"),
])
def test_bad_lengths(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        box_length(text)
    assert message in caught.value.message and caught.value.example


def test_good_lengths() -> None:
    assert box_length("8h") == timedelta(hours=8)
    assert box_length("1h30m") == timedelta(minutes=90)
    assert box_length("25") == timedelta(minutes=25)
