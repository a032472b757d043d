"""Small helpers shared by the pulse handlers."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.core.durations import parse_duration
from handlers.core.errors import NotAllowed, StorageUnavailable, UserError
from handlers.core.ownership import who_may
from handlers.core.ports import ChannelSettings
from handlers.core.services import Services
from handlers.core.types import Command, Person, Place
from handlers.pulse.model import DEFAULT_WINDOW_HOURS
from handlers.pulse.ports import PulseStore

log = logging.getLogger("steadybot.pulse")

MIN_WINDOW = timedelta(hours=1)
MAX_WINDOW = timedelta(days=14)
_WINDOW = re.compile(r"(?:^|\s)(?:open\s+for|open|for)\s+(?P<what>\S.*)$", re.IGNORECASE)


def pulse_store(svc: Services) -> PulseStore:
    return svc.store.pulse


def threshold(settings: ChannelSettings) -> int:
    """min_respondents, never below the floor of 3 whatever a row says."""
    return max(int(settings.min_respondents), ChannelSettings.MIN_RESPONDENTS_FLOOR)


def team_place(cmd: Command, what: str) -> Place:
    """Pulses belong to a channel (the channel is the team)."""
    if cmd.where.is_direct:
        raise UserError(f"{what} belongs to a team channel — run it there, not in a direct message.",
                        f"/pulse {cmd.words[0].lower() if cmd.words else 'results'}")
    return cmd.where.without_thread()


async def require_manager(who: Person, where: Place, svc: Services, what: str) -> None:
    if not await svc.may_manage(who, where):
        raise NotAllowed(f"{who_may(what)} Anyone can see the results: `/pulse results`."
                         + await svc.why_not_owner(where))


async def person_tz(svc: Services, person: Person) -> ZoneInfo:
    """The person's zone; Slack commands carry none, so ask the directory (cached by the adapter)."""
    if person.tz:
        return svc.tz_of(person)
    try:
        found = await svc.directory.person(person.platform, person.id)
    except StorageUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - a directory hiccup falls back to the default zone
        log.info("timezone lookup failed: %s", type(exc).__name__)
        found = None
    return svc.tz_of(found or person)


def split_window(text: str, example: str) -> tuple[str, int]:
    """`every friday at 3pm for 2 days` → ("every friday at 3pm", 48). The default window is 3 days."""
    m = _WINDOW.search(text)
    if not m:
        return text.strip(), DEFAULT_WINDOW_HOURS
    try:
        window = parse_duration(m.group("what"))
    except UserError as exc:
        raise UserError(f"{exc.message} (how long the pulse stays open)", example) from exc
    if not MIN_WINDOW <= window <= MAX_WINDOW:
        raise UserError("A pulse stays open between 1 hour and 14 days.", example)
    hours = max(1, round(window.total_seconds() / 3600))
    return text[: m.start()].strip(), hours


def day_label(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b}"


def window_label(hours: int) -> str:
    if hours % 24 == 0:
        days = hours // 24
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"


def team_label(name: str) -> str:
    return f"#{name}" if name else "your team"


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 round`, `2 rounds`; `many` where adding an s is wrong (`2 journal entries`)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"
