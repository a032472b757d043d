"""Enterprise Grid: the app leaves an organisation, or one workspace of it, through the real signed wire and real
Bolt (OAuth mode, the fake Web API), on SQLite and PostgreSQL.

What Slack sends (docs/operations.md, "Enterprise Grid"):
- an org-wide uninstall: `app_uninstalled` (and `tokens_revoked`, in either order) with
  `authorizations[0]` = {enterprise_id: E, team_id: null, is_enterprise_install: true}
  (bolt-python tests/scenario_tests_async/test_events_token_revocations.py; tests/data/payloads/slack/
  grid_app_uninstalled.json);
- the app removed from some workspaces of the organisation: `team_access_revoked` with `event.team_ids`
  (https://docs.slack.dev/reference/events/team_access_revoked/; its payload below, from that page).

The attacker reads the database: after the organisation's uninstall neither the SQLite file with its WAL nor any
PostgreSQL row holds the organisation's workspaces, channels, people or answers; an event naming an organisation
we do not serve deletes nothing; another organisation and a standalone workspace keep everything."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from storage.models.installations import SlackInstallationRow, SlackTeamRow
from support import wire
from tests.support.db_scan import rows_naming
from tests.support.harness import Harness
from tests.support.pulse_helpers import ANSWER, launch_value, pulse_dms
from tests.wire.test_ops_oauth import install, oauth_bot, slash
from tests.wire.test_slack_enterprise_grid import _payload, _post, _press_body, _problems, _submit_body

ORG, OTHER_ORG = "EORGZQX1", "EOTHRZQ2"
# workspace -> (organisation or None, channel, people); every id distinctive, so a byte scan finds only it
PLACES: dict[str, tuple[str | None, str, list[str]]] = {
    "TORGWKSPA1": (ORG, "CORGCHANA1", [f"WORGPPLA{i}" for i in range(6)]),
    "TORGWKSPB2": (ORG, "CORGCHANB2", [f"WORGPPLB{i}" for i in range(6)]),
    "TOTHWKSPC3": (OTHER_ORG, "COTHCHANC3", [f"WOTHPPLC{i}" for i in range(6)]),
    "TSTDWKSPD4": (None, "CSTDCHAND4", [f"USTDPPLD{i}" for i in range(6)]),
}
ORG_TEAMS = [t for t, (org, _, _) in PLACES.items() if org == ORG]
COMMENT = "ORGSECRETCOMMENTQZ"


def _org_ids() -> list[str]:
    ids: list[str] = []
    for team in ORG_TEAMS:
        _, channel, people = PLACES[team]
        ids += [team, channel, *people]
    return ids


def _kept_ids() -> list[str]:
    return [x for team, (org, channel, people) in PLACES.items() if org != ORG for x in (team, channel, people[0])]


def _sqlite_bytes(bot: Harness) -> bytes:
    url = bot.settings.database_url
    if not url.startswith("sqlite"):
        return b""
    path = Path(url.split("///", 1)[1])
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def _org_event(bot: Harness, event: dict[str, Any], enterprise: str, event_id: str) -> None:
    """An org-wide app's event as bolt-python captured it (grid_app_uninstalled.json), for `enterprise`."""
    body = _payload("grid_app_uninstalled")
    body["event"] = event
    body["enterprise_id"] = enterprise
    body["authorizations"][0]["enterprise_id"] = enterprise
    body["event_id"] = event_id
    body["event_time"] = int(time.time())  # dispatched now, after the installation (a stale one removes nothing)
    await _post(bot, json.dumps(body), "application/json")
    await bot.settle()


async def _team_access_revoked(bot: Harness, enterprise: str, team_ids: list[str], event_id: str) -> None:
    """https://docs.slack.dev/reference/events/team_access_revoked/ (the example's wrapper and event)."""
    body = {"token": "XXYYZZ", "team_id": None, "enterprise_id": enterprise, "api_app_id": "A1",
            "event": {"type": "team_access_revoked", "team_ids": team_ids, "event_ts": "1700001891.279278"},
            "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": enterprise, "team_id": None, "user_id": "UBOT", "is_bot": True,
                                "is_enterprise_install": True}]}
    await _post(bot, json.dumps(body), "application/json")
    await bot.settle()


async def _use_everywhere(bot: Harness) -> None:
    """Both organisations installed org-wide, the standalone workspace on its own; each workspace schedules a
    pulse, sends one, sets its channel; in the organisation's first workspace a person answers with a comment."""
    await install(bot.client, bot, "code-org", None, enterprise=ORG)
    await install(bot.client, bot, "code-other", None, enterprise=OTHER_ORG)
    await install(bot.client, bot, "code-std", "TSTDWKSPD4")
    for team, (org, channel, people) in PLACES.items():
        for person in people:
            bot.slack.add_user(person, f"Person {person}", team_id=team)
        bot.slack.add_channel(channel, people[0], people)
        for text in ("schedule every friday at 3pm", "now"):
            await slash(bot.client, bot, text, team=team, user=people[0], channel=channel, enterprise=org)
            await bot.idle()
    await bot.settle()
    team = ORG_TEAMS[0]
    _, channel, people = PLACES[team]
    person = people[1]
    dm = pulse_dms(bot, person)[-1]
    opened = len(bot.slack.calls_to("views.open"))
    await _post(bot, _in_org(_press_body(bot, "form.open", launch_value(dm), user=person, channel="D" + person,
                                         message_ts=f"dm-{person}-1", user_team=team)))
    await bot.idle()
    view = (await bot.slack.wait_for("views.open", opened + 1))[-1].params["view"]
    updates = len(bot.slack.calls_to("chat.update"))
    submitted = json.loads(parse_qs(_submit_body(view, {**ANSWER, "comment": COMMENT}, user=person,
                                                 user_team=team))["payload"][0])
    submitted["view"]["blocks"] = view["blocks"]  # Slack echoes the bot's own form, not the captured one's
    await _post(bot, _in_org(wire.interactive_body(submitted)))
    await bot.idle()
    await bot.slack.wait_for("chat.update", updates + 1)  # "thank you": the answer is in
    await slash(bot.client, bot, "close", team=team, user=people[0], channel=channel, enterprise=ORG)
    await bot.advance(timedelta(minutes=5))  # the periodic job seals the closed round: the comment in the clear
    await bot.settle()


def _in_org(body: str) -> str:
    """An org-wide interactive payload (grid_*_team_null) of ORG rather than the captured organisation."""
    payload = json.loads(parse_qs(body)["payload"][0])
    payload["enterprise"]["id"] = ORG
    if isinstance(payload.get("team"), dict):
        payload["team"]["enterprise_id"] = ORG
    if isinstance(payload.get("view"), dict):
        payload["view"]["id"] = "V0MODAL01"  # Slack's own id, not one spelled from the person's (as the helper does)
    return wire.interactive_body(payload)


async def _installed(bot: Harness) -> set[tuple[str, str]]:
    async with bot.runtime.store.db.session() as s:
        rows = (await s.execute(select(SlackInstallationRow.enterprise_id, SlackInstallationRow.team_id))).all()
        return {(e, t) for e, t in rows}


async def _mapped(bot: Harness) -> dict[str, str]:
    async with bot.runtime.store.db.session() as s:
        return {t: e for t, e in (await s.execute(select(SlackTeamRow.team_id, SlackTeamRow.enterprise_id))).all()}


async def test_an_org_wide_uninstall_removes_every_workspace_of_the_organisation(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with oauth_bot(db_url) as bot:
        await _use_everywhere(bot)
        assert set(await _mapped(bot)) >= {*ORG_TEAMS, "TOTHWKSPC3"}
        assert await rows_naming(bot, *_org_ids()), "the attack has a target"
        assert await rows_naming(bot, COMMENT), "the answer's comment was not stored in the clear"
        assert not bot.settings.database_url.startswith("sqlite") or COMMENT.encode() in _sqlite_bytes(bot)
        kept_before = await rows_naming(bot, *_kept_ids())

        # (b) an organisation we do not serve: nothing goes
        await _org_event(bot, {"type": "app_uninstalled"}, "EUNKNOWN9", "EvForged1")
        await _team_access_revoked(bot, "EUNKNOWN9", [*ORG_TEAMS, "TSTDWKSPD4", "TOTHWKSPC3"], "EvForged2")
        # another organisation cannot take this organisation's workspaces or the standalone one with it
        await _team_access_revoked(bot, OTHER_ORG, [ORG_TEAMS[0], "TSTDWKSPD4"], "EvForged3")
        assert await rows_naming(bot, *_kept_ids()) == kept_before
        assert len(await rows_naming(bot, *_org_ids())) > 0 and await rows_naming(bot, COMMENT)

        # (a) the organisation's uninstall, delivered twice, then its tokens_revoked (Slack's order varies)
        await _org_event(bot, {"type": "app_uninstalled"}, ORG, "EvOrgGone1")
        await _org_event(bot, {"type": "app_uninstalled"}, ORG, "EvOrgGone1")
        await _org_event(bot, {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}, ORG, "EvOrgGone2")

        left = await rows_naming(bot, *_org_ids(), ORG, COMMENT)
        assert left == [], left
        raw = _sqlite_bytes(bot)
        for needle in (*_org_ids(), ORG, COMMENT):
            assert needle.encode() not in raw, f"{needle} is still in the SQLite file or its WAL"
        # (c) the other organisation and the standalone workspace keep all of theirs
        assert await rows_naming(bot, *_kept_ids()) == kept_before
        assert {(OTHER_ORG, ""), ("", "TSTDWKSPD4")} <= await _installed(bot)
        assert not {e for e, _ in await _installed(bot)} & {ORG}
        assert (await _mapped(bot)).get("TOTHWKSPC3") == OTHER_ORG
    assert _problems(caplog) == []


async def test_team_access_revoked_removes_that_workspace_only(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with oauth_bot(db_url) as bot:
        await _use_everywhere(bot)
        gone, stays = ORG_TEAMS
        kept_before = await rows_naming(bot, *_kept_ids())
        stays_before = await rows_naming(bot, stays, PLACES[stays][1])

        await _team_access_revoked(bot, ORG, [gone], "EvAccess1")
        await _team_access_revoked(bot, ORG, [gone], "EvAccess2")  # a second delivery: nothing left to do

        _, channel, people = PLACES[gone]
        assert await rows_naming(bot, gone, channel, *people, COMMENT) == []
        assert gone.encode() not in _sqlite_bytes(bot) and COMMENT.encode() not in _sqlite_bytes(bot)
        assert await rows_naming(bot, stays, PLACES[stays][1]) == stays_before
        assert await rows_naming(bot, *_kept_ids()) == kept_before
        assert (ORG, "") in await _installed(bot)  # the organisation's installation serves the other workspace
        # and it still does
        _, channel, people = PLACES[stays]
        before = len(pulse_dms(bot, people[1]))
        await slash(bot.client, bot, "close", team=stays, user=people[0], channel=channel, enterprise=ORG)
        await slash(bot.client, bot, "now", team=stays, user=people[0], channel=channel, enterprise=ORG)
        await bot.settle()
        assert len(pulse_dms(bot, people[1])) > before
    assert _problems(caplog) == []

