"""When the bot may speak to a person: on a weekday of theirs, outside the channel's quiet hours (each person's
local time) and, with the channel's holiday code, not on one of its holidays. Moved forward (`next_allowed`:
a pulse DM goes out at the next allowed moment) or back (`last_allowed`: a meeting nudge must come before the
meeting), correct across DST changes.

Everything here is pure: naive local wall times in, aware UTC instants out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.core.timeoff import holiday_name
from handlers.core.timeparse import localize, to_local_naive

HOLIDAY_STEPS = 14  # holidays in a row a DM may be moved past (Easter: Friday, the weekend, Monday)
WEEKEND = frozenset({5, 6})  # Saturday, Sunday
LAST_MINUTE = timedelta(minutes=1)  # moving back out of quiet hours: this long before they begin


def is_quiet(moment: time, start: time, end: time) -> bool:
    """Quiet hours `start`–`end` (local); they may wrap midnight. `start == end` means no quiet hours."""
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def next_allowed(local: datetime, start: time, end: time) -> datetime:
    """The first naive local moment at or after `local` that is a weekday outside quiet hours."""
    moment = local
    for _ in range(8):  # weekend → Monday 00:00 → out of quiet hours: three steps at most
        if moment.weekday() in WEEKEND:
            moment = datetime.combine(moment.date() + timedelta(days=7 - moment.weekday()), time(0))
            continue
        if is_quiet(moment.time(), start, end):
            if start < end or moment.time() < end:
                moment = datetime.combine(moment.date(), end)
            else:
                moment = datetime.combine(moment.date() + timedelta(days=1), end)
            continue
        return moment
    return moment


def allowed_instant(local: datetime, tz: ZoneInfo, start: time, end: time) -> datetime:
    """`next_allowed` as a UTC instant; a wall time in a DST gap is moved forward and checked again."""
    aware = localize(next_allowed(local, start, end), tz)
    for _ in range(4):
        back = to_local_naive(aware, tz)
        if next_allowed(back, start, end) == back:
            break
        aware = localize(next_allowed(back, start, end), tz)
    return aware.astimezone(UTC)


def allowed_from(moment: datetime, tz: ZoneInfo, start: time, end: time) -> datetime:
    """The first allowed instant (UTC) at or after the aware `moment`: `moment` itself when it is allowed.
    Never earlier: in an hour that happens twice (a DST fall-back) a wall time alone names its first
    occurrence, which may be before `moment`; then it is the second."""
    moment = moment.astimezone(UTC)
    local = to_local_naive(moment, tz)
    target = next_allowed(local, start, end)
    if target == local:
        return moment
    aware = allowed_instant(local, tz, start, end)
    if aware < moment:  # `moment` is in the repeated hour and the first time of `target` is already past
        aware = target.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return aware


def last_allowed(local: datetime, start: time, end: time, holidays: str = "") -> datetime:
    """The backward twin of `next_allowed`: the last naive local moment at or before `local` that is a weekday
    outside quiet hours and, with the channel's holiday code, not one of its holidays.

    In quiet hours it is one minute before they began (Monday 07:00 with 20:00–08:00 → Sunday 19:59); on a
    weekend or holiday, the same wall time on the last working day before (Sunday 09:00 → Friday 09:00,
    as a count of business days has it); both again until neither applies."""
    moment = local
    for _ in range(2 * HOLIDAY_STEPS + 8):
        if is_quiet(moment.time(), start, end):
            began = moment.date() if start < end or moment.time() >= start else moment.date() - timedelta(days=1)
            moment = datetime.combine(began, start) - LAST_MINUTE
            continue
        if _day_off(moment.date(), holidays):
            day = moment.date() - timedelta(days=1)
            while _day_off(day, holidays) and day > moment.date() - timedelta(days=HOLIDAY_STEPS + 3):
                day -= timedelta(days=1)
            moment = datetime.combine(day, moment.time())
            continue
        return moment
    return moment


def _day_off(day: date, holidays: str) -> bool:
    return day.weekday() in WEEKEND or (bool(holidays) and holiday_name(holidays, day) is not None)


def allowed_until(moment: datetime, tz: ZoneInfo, quiet: tuple[time, time], holidays: str = "") -> datetime:
    """The last allowed instant (UTC) at or before the aware `moment`, by `last_allowed` in `tz`: `moment`
    itself when it is allowed; never later. A wall time that happens twice (a DST fall-back) is taken at its
    later occurrence that is not after `moment`; one that does not happen (a spring-forward gap) is replaced
    by the last minute before the change and checked again."""
    moment = moment.astimezone(UTC)
    local = to_local_naive(moment, tz)
    for _ in range(4):
        target = last_allowed(local, *quiet, holidays)
        readings = {target.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)}
        real = [at for at in readings if at <= moment and to_local_naive(at, tz) == target]
        if real:
            return max(real)
        local = to_local_naive(_before_change(min(readings), max(readings), tz), tz)  # `target` is in a gap
    return moment


def _before_change(early: datetime, late: datetime, tz: ZoneInfo) -> datetime:
    """The last whole minute (UTC) in [early, late) with `early`'s UTC offset: just before a DST change."""
    offset = early.astimezone(tz).utcoffset()
    low, high = 0, max(1, int((late - early).total_seconds() // 60))
    while high - low > 1:
        mid = (low + high) // 2
        if (early + timedelta(minutes=mid)).astimezone(tz).utcoffset() == offset:
            low = mid
        else:
            high = mid
    return (early + timedelta(minutes=low)).replace(second=0, microsecond=0)
