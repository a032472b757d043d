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
_HHMM = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")
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
        ("Quiet hours", f"{settings.quiet_start:%H:%M}–{settings.quiet_end:%H:%M} (each person's local time)"),
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
        start, end = _quiet(value)
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


def _clock(text: str) -> time:
    m = _HHMM.match(text.strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2) or 0) > 59:
        raise UserError(f"`{clip(text)}` isn't a time like 20:00.", "/steadybot settings quiet 20:00-08:00")
    return time(int(m.group(1)), int(m.group(2) or 0))


def _quiet(value: str) -> tuple[time, time]:
    if value in _OFF:
        return time(0, 0), time(0, 0)
    parts = re.split(r"\s*(?:-|–|to)\s*", value)
    if len(parts) != 2:
        raise UserError("Quiet hours are a range like `20:00-08:00` (or `off`).",
                        "/steadybot settings quiet 20:00-08:00")
    return _clock(parts[0]), _clock(parts[1])


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
                  initial=f"{current.quiet_start:%H:%M}-{current.quiet_end:%H:%M}", placeholder="20:00-08:00"),
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
