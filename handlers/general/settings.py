"""`/steadybot settings`: per-channel switches, for the channel's owner and the admins."""

from __future__ import annotations

import re
from datetime import time

from handlers.core.errors import NotAllowed, UserError
from handlers.core.ownership import who_may
from handlers.core.ports import ChannelSettings
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.timeoff import HOLIDAYS_KEY, holiday_code, parse_holiday_code
from handlers.core.types import (
    Button,
    Choice,
    Command,
    Field,
    Form,
    Interaction,
    Person,
    Place,
    Reply,
    Visibility,
)
from handlers.general.catalog import FORM_ID

EXAMPLE = "/steadybot settings scope off"
SENSITIVITIES = ("low", "normal", "high")
_ON = {"on", "yes", "true", "enable", "enabled", "1"}
_OFF = {"off", "no", "false", "disable", "disabled", "0"}
_KEYS = {
    "scope": "scope_watch", "scope-watch": "scope_watch", "scope_watch": "scope_watch", "watch": "scope_watch",
    "sensitivity": "scope_sensitivity", "scope-sensitivity": "scope_sensitivity",
    "agenda": "agenda_enforcement", "agenda-enforcement": "agenda_enforcement",
    "agenda_enforcement": "agenda_enforcement",
    "quiet": "quiet_hours", "quiet-hours": "quiet_hours", "quiet_hours": "quiet_hours",
    "min": "min_respondents", "min-respondents": "min_respondents", "min_respondents": "min_respondents",
    "threshold": "min_respondents",
    "holidays": "holidays", "holiday": "holidays",
}  # fmt: skip


def describe(settings: ChannelSettings) -> tuple[tuple[str, str], ...]:
    return (
        ("Scope-creep watch", f"{'on' if settings.scope_watch else 'off'} (sensitivity {settings.scope_sensitivity})"),
        ("Agenda enforcement", "on" if settings.agenda_enforcement else "off"),
        ("Quiet hours", "off (pulse DMs at any hour of a weekday)" if settings.quiet_start == settings.quiet_end
                        else f"{settings.quiet_start:%H:%M}–{settings.quiet_end:%H:%M} (each person's local time)"),
        ("Pulse results need", f"at least {settings.min_respondents} answers"),
        ("Public holidays", (f"{holiday_code(settings)} (no scheduled pulse or meeting nudge on them)"
                             if holiday_code(settings) else "none")),
        ("Weekly digest", "on (a Monday DM to the person who switched it on)" if settings.extra.get("digest") else "off"),
    )


async def settings_command(cmd: Command, rest: str, svc: Services) -> Reply:
    if cmd.where.is_direct:
        raise UserError("Settings belong to a channel — run this in your team's channel.", "/steadybot settings")
    current = await svc.store.settings.get(cmd.where)
    words = rest.split()
    if not words:
        may = await svc.may_manage(cmd.who, cmd.where)
        buttons = (Button("settings.open", "Change settings", style="primary"),) if may else ()
        note = "" if may else f"\n{who_may('change these')}"
        return Reply(text=f"**Settings for this channel**{note}", facts=describe(current), buttons=buttons)
    await _require_manager(cmd.who, cmd.where, svc)
    if words[0].lower() == "digest":
        from handlers.reports.digest import set_digest

        return await set_digest(cmd, " ".join(words[1:]), svc)
    key = _KEYS.get(words[0].lower())
    if key is None or len(words) < 2:
        raise UserError(
            "Tell me which setting and the new value: `scope on|off`, `sensitivity low|normal|high`, "
            "`agenda on|off`, `quiet 20:00-08:00`, `min 5`, `holidays DE-BY|off`, `digest on|off`.",
            EXAMPLE,
        )
    updated = apply_change(current, key, " ".join(words[1:]))
    await svc.store.settings.put(cmd.where, updated, cmd.who)
    return Reply(text="**Saved.** Settings for this channel now:", facts=describe(updated),
                 visibility=Visibility.PERSON)


def apply_change(current: ChannelSettings, key: str, value: str) -> ChannelSettings:
    value = value.strip().lower()
    if key == "holidays":
        return current.with_changes(extra={**current.extra, HOLIDAYS_KEY: parse_holiday_code(value)})
    if key in ("scope_watch", "agenda_enforcement"):
        return current.with_changes(**{key: _switch(value)})
    if key == "scope_sensitivity":
        if value not in SENSITIVITIES:
            raise UserError("Sensitivity is `low`, `normal` or `high`.", "/steadybot settings sensitivity low")
        return current.with_changes(scope_sensitivity=value)
    if key == "quiet_hours":
        start, end = _quiet(value, (current.quiet_start, current.quiet_end))
        return current.with_changes(quiet_start=start, quiet_end=end)
    if key == "min_respondents":
        if not value.isdecimal() or len(value) > 4:  # isdigit() also takes ² and ፩, which int() cannot read
            raise UserError("The threshold is a whole number, 3 or more.", "/steadybot settings min 5")
        number = int(value)
        if number < ChannelSettings.MIN_RESPONDENTS_FLOOR:
            raise UserError(
                f"Results need at least {ChannelSettings.MIN_RESPONDENTS_FLOOR} answers, so nobody can be "
                "singled out.", "/steadybot settings min 3")
        if number > 500:
            raise UserError("That threshold is higher than any team I'd pulse.", "/steadybot settings min 5")
        return current.with_changes(min_respondents=number)
    raise UserError(f"I don't know the setting `{clip(key)}`.", EXAMPLE)


def _switch(value: str) -> bool:
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise UserError(f"`{clip(value)}` isn't on or off.", EXAMPLE)


#: One time of day in quiet hours: 24-hour ("20:00", "7", "0730", "7.30", "21h30"), am/pm ("10pm", "7:30 am",
#: "12am" = 00:00), "noon", "midnight"; "24:00" is midnight too (as the end of "20:00-24:00").
_CLOCK = re.compile(r"^(?:(?P<word>noon|midnight)|(?P<h>\d{1,2})(?:[:.h]?(?P<m>\d{2}))?\s*"
                    r"(?P<ampm>[ap]\.?\s?m\.?)?)$")
#: Between the two times: "-", "–", "—", "to", "until", "till", with or without spaces.
_RANGE = re.compile(r"\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b)\s*")
_QUIET_OFF = _OFF | {"none"}
_QUIET_EXAMPLE = "/steadybot settings quiet 20:00-08:00"
_DEFAULT_QUIET = (time(20, 0), time(8, 0))
#: Quiet hours must leave at least this much of the day (07:00–20:00, each person's local time) for pulse DMs and
#: reminders: six hours hold core hours such as 10:00–16:00; fewer would pile a round's DMs into a few hours or,
#: for a window that leaves only the night, send them while people sleep.
_DAY = (7 * 60, 20 * 60)
_MIN_DAY_MINUTES = 6 * 60
#: A quiet window of at most 16 hours that covers more than half of the working day 09:00–17:00 is, as typed,
#: someone's working hours: "quiet 08:00-20:00" would send DMs only at night.
_WORK = (9 * 60, 17 * 60)
_MAX_WORKDAY_MINUTES = 16 * 60


def _clock(text: str) -> tuple[time, bool]:
    """A time of day, and whether it was a bare hour ("10", no minutes, no am/pm)."""
    text = text.strip()
    m = _CLOCK.match(text)
    if m and m.group("word"):
        return time(12 if m.group("word") == "noon" else 0, 0), False
    if m:
        hour, minute, ampm = int(m.group("h")), int(m.group("m") or 0), m.group("ampm")
        if ampm and 1 <= hour <= 12 and minute <= 59:
            return time(hour % 12 + (12 if ampm.startswith("p") else 0), minute), False
        if not ampm and (hour, minute) == (24, 0):
            return time(0, 0), False
        if not ampm and hour <= 23 and minute <= 59:
            return time(hour, minute), m.group("m") is None
    raise UserError(f"`{clip(text)}` isn't a time like 20:00 or 10pm.", _QUIET_EXAMPLE)


def _quiet(value: str, current: tuple[time, time] | None = None) -> tuple[time, time]:
    """Quiet hours as typed: `off`, or a window such as `20:00-08:00` or `10pm to 7am`. A window that equals
    `current` (the one stored) is taken as it is; a new one must make sense (`_window_problem`)."""
    value = " ".join(value.split())
    if value in _QUIET_OFF:
        return time(0, 0), time(0, 0)  # start == end: no quiet hours, as pulse timing reads it
    value = re.sub(r"^(?:hours\s+)?(?:from\s+)?", "", value)
    parts = _RANGE.split(value)
    if len(parts) != 2 or not all(parts):
        raise UserError("Quiet hours are a range like `20:00-08:00` or `10pm to 7am` (or `off`).", _QUIET_EXAMPLE)
    (start, bare), (end, _) = _clock(parts[0]), _clock(parts[1])
    if (start, end) == current:
        return start, end
    if start == end:
        raise UserError(f"`{start:%H:%M}-{end:%H:%M}` would be the whole day, or none of it. "
                        "For no quiet hours, say `quiet off`.", "/steadybot settings quiet off")
    problem = _window_problem(start, end)
    if problem is None:
        return start, end
    window = f"`{start:%H:%M}-{end:%H:%M}`"
    allowed = _minutes(end, start)
    meaning = (f"Quiet hours are when I stay silent, so {window} would send pulse DMs only between "
               f"{end:%H:%M} and {start:%H:%M} ({_duration(allowed)} a day")
    if problem == "workday":
        night = ", mostly at night" if 2 * _overlap(end, start, _DAY) < allowed else ""
        suggestion = _suggest([(end, start)])
        text = (f"{meaning}{night}). If {start:%H:%M}–{end:%H:%M} are your working hours, "
                f"did you mean `quiet {suggestion}`?")
    else:
        pm = [(time(start.hour + 12, start.minute), end)] if bare and 1 <= start.hour <= 11 else []
        suggestion = _suggest(pm)
        text = (f"{meaning}). Quiet hours must leave pulse DMs at least {_MIN_DAY_MINUTES // 60} hours between "
                f"{_DAY[0] // 60:02d}:00 and {_DAY[1] // 60:02d}:00, or a round's DMs and reminders pile into "
                f"those few hours{' at night' if _overlap(end, start, _DAY) == 0 else ''}. "
                + (f"Did you mean `quiet {suggestion}`?" if pm and suggestion != _show(_DEFAULT_QUIET)
                   else f"Quiet hours usually cover the evening and night, like `quiet {suggestion}`."))
    raise UserError(text, f"/steadybot settings quiet {suggestion}")


def _window_problem(start: time, end: time) -> str | None:
    """Why quiet hours `start`–`end` (start != end) make no sense: "workday" (working hours typed by mistake),
    "short" (too little of the day left for DMs), or None."""
    quiet = _minutes(start, end)
    if quiet <= _MAX_WORKDAY_MINUTES and 2 * _overlap(start, end, _WORK) > _WORK[1] - _WORK[0]:
        return "workday"
    if _overlap(end, start, _DAY) < _MIN_DAY_MINUTES:
        return "short"
    return None


def _suggest(candidates: list[tuple[time, time]]) -> str:
    """The first candidate window that makes sense, else the default 20:00-08:00."""
    for start, end in candidates:
        if start != end and _window_problem(start, end) is None:
            return _show((start, end))
    return _show(_DEFAULT_QUIET)


def _show(window: tuple[time, time]) -> str:
    return f"{window[0]:%H:%M}-{window[1]:%H:%M}"


def _minutes(start: time, end: time) -> int:
    """The length of the window `start`–`end` (it may wrap midnight), in minutes."""
    return (end.hour * 60 + end.minute - start.hour * 60 - start.minute) % (24 * 60)


def _overlap(start: time, end: time, span: tuple[int, int]) -> int:
    """Minutes of the window `start`–`end` (it may wrap midnight) within `span` (minutes after midnight)."""
    first = start.hour * 60 + start.minute
    return sum(1 for minute in range(*span) if (minute - first) % (24 * 60) < _minutes(start, end))


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = ([f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []) + (
        [f"{rest} minute{'s' if rest != 1 else ''}"] if rest else [])
    return " ".join(parts)


async def _require_manager(who: Person, where: Place, svc: Services) -> None:
    if not await svc.may_manage(who, where):
        raise NotAllowed(who_may("change settings") + await svc.why_not_owner(where))


# ---- the form (Slack modal / Teams card) -------------------------------------------------------------
def _on_off(field_id: str, label: str, on: bool) -> Field:
    return Field(field_id, label, choices=(Choice("on", "On"), Choice("off", "Off")), initial="on" if on else "off")


def settings_form(current: ChannelSettings) -> Form:
    return Form(
        id=FORM_ID,
        title="Channel settings",
        submit_label="Save",
        intro="These apply to this channel only.",
        fields=(
            _on_off("scope_watch", "Scope-creep watch", current.scope_watch),
            Field("scope_sensitivity", "Scope-creep sensitivity",
                  choices=tuple(Choice(s, s.capitalize()) for s in SENSITIVITIES), initial=current.scope_sensitivity),
            _on_off("agenda_enforcement", "Agenda enforcement (no agenda, no meeting)", current.agenda_enforcement),
            Field("quiet_hours", "Quiet hours (local time, or off)", kind="text", max_length=20,
                  initial=("off" if current.quiet_start == current.quiet_end
                           else f"{current.quiet_start:%H:%M}-{current.quiet_end:%H:%M}"),
                  placeholder="20:00-08:00"),
            Field("min_respondents", "Minimum answers before results show (3 or more)", kind="text", max_length=4,
                  initial=str(current.min_respondents), placeholder="5"),
        ),
    )


async def open_settings(interaction: Interaction, svc: Services) -> Form | Reply:
    await _require_manager(interaction.who, interaction.where, svc)
    return settings_form(await svc.store.settings.get(interaction.where))


async def open_settings_button(interaction: Interaction, svc: Services) -> Reply:
    form = await open_settings(interaction, svc)
    if isinstance(form, Reply):
        return form
    return Reply.just_form(form)


async def submit_settings(interaction: Interaction, svc: Services) -> Reply:
    await _require_manager(interaction.who, interaction.where, svc)
    values = interaction.form_values or {}
    updated = await svc.store.settings.get(interaction.where)
    for key in ("scope_watch", "scope_sensitivity", "agenda_enforcement", "quiet_hours", "min_respondents"):
        raw = values.get(key)
        if isinstance(raw, str) and raw.strip():
            updated = apply_change(updated, key, raw)
    await svc.store.settings.put(interaction.where, updated, interaction.who)
    return Reply(text="**Saved.** Settings for this channel now:", facts=describe(updated),
                 replace_original=True)
