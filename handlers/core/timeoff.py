"""Time off: whether a person is away (and until when), and a channel's public holidays.

A person is away while
- they snoozed (`/pulse snooze`, stored by steadybot, every platform);
- their Slack status says so (🌴, 🤒, "OOO", "vacation", "holiday" … until the status expires) — asked
  of the platform's directory, which reads the profile it already fetches;
- Slack Do Not Disturb is on for them (only for DMs: the directory asks `dnd.info`).
A channel's holidays (`/steadybot settings holidays DE-BY`) come from the `holidays` library, imported when a
channel with holidays first needs them (it is heavy to import: docs/benchmarks.md, "Cold start").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from handlers.core.errors import StorageUnavailable, UserError
from handlers.core.ports import ChannelSettings
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.timeparse import localize
from handlers.core.types import Person, Platform

log = logging.getLogger("steadybot.timeoff")
HOLIDAYS_KEY = "holidays"  # in ChannelSettings.extra: "DE-BY", "US-CA", "GB", …
HOLIDAY_EXAMPLE = "/steadybot settings holidays DE-BY"


class AwayDirectory(Protocol):
    async def away(self, person: Person, now: datetime) -> datetime | None: ...


class TimeOffStore(Protocol):
    """`/pulse snooze`: until when each person is away (storage/repos/timeoff.py)."""

    async def snooze(self, platform: Platform, user_id: str, until: datetime) -> None: ...

    async def resume(self, platform: Platform, user_id: str) -> bool: ...

    async def until(self, platform: Platform, user_id: str, now: datetime) -> datetime | None: ...

    async def away(self, platform: Platform, user_ids: Sequence[str], now: datetime) -> dict[str, datetime]: ...

    async def forget(self, platform: Platform, user_id: str) -> int: ...


async def away_until(svc: Services, person: Person, now: datetime) -> datetime | None:
    """Until when `person` is away (snooze, Slack status, Do Not Disturb), or None when they are here."""
    ends: list[datetime] = []
    store: Any = getattr(svc.store, "timeoff", None)
    if store is not None:
        snoozed = await store.until(person.platform, person.id, now)
        if snoozed is not None:
            ends.append(snoozed)
    ask = getattr(svc.directory, "away", None)
    if ask is not None:
        try:
            status = await ask(person, now)
        except StorageUnavailable:
            raise
        except Exception:  # noqa: BLE001 - a directory hiccup must not hold a DM back
            log.info("away status of a %s person could not be read", person.platform)
            status = None
        if status is not None and status > now:
            ends.append(status)
    return max(ends) if ends else None


# ---- public holidays -------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def _calendar(code: str) -> Any:
    import holidays as holiday_data

    country, _, region = code.partition("-")
    return holiday_data.country_holidays(country, subdiv=region or None)


def parse_holiday_code(text: str) -> str:
    """`de-by` → `DE-BY`, checked against the library; `off` → "". UserError for unknown codes."""
    code = text.strip().upper().replace("_", "-")
    if code in ("OFF", "NONE", "NO", ""):
        return ""
    import holidays as holiday_data

    country, _, region = code.partition("-")
    supported: dict[str, Any] = holiday_data.list_supported_countries()
    if country not in supported:
        raise UserError(f"I don't know the country code `{clip(text, 20)}` — use the two-letter ISO code, "
                        "optionally with a region: `DE`, `DE-BY`, `US-CA`, `GB-SCT`.", HOLIDAY_EXAMPLE)
    if region and region not in supported[country]:
        regions = ", ".join(list(supported[country])[:12])
        raise UserError(f"{country} has no region `{clip(region, 12)}`. Its regions: {regions}"
                        f"{'…' if len(supported[country]) > 12 else ''}.", f"/steadybot settings holidays {country}")
    return code


def holiday_code(settings: ChannelSettings) -> str:
    value = settings.extra.get(HOLIDAYS_KEY)
    return value if isinstance(value, str) else ""


def holiday_name(code: str, day: date) -> str | None:
    if not code:
        return None
    try:
        name = _calendar(code).get(day)
    except (NotImplementedError, KeyError, ValueError):
        return None
    return str(name) if name else None


def after_holidays(code: str, moment: datetime, tz: ZoneInfo) -> datetime | None:
    """When `moment` (aware) falls on one of the channel's holidays in `tz`: the same wall time on the next
    day that is not a holiday (UTC); else None."""
    local = moment.astimezone(tz)
    if holiday_name(code, local.date()) is None:
        return None
    day = local.date()
    for _ in range(31):
        day += timedelta(days=1)
        if holiday_name(code, day) is None:
            return localize(datetime.combine(day, time(local.hour, local.minute)), tz)
    return None
