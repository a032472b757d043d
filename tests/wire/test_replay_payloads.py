"""Real platform payloads, replayed through the real wire (tests/data/payloads, sources in each file's
`_source` and in tests/data/README.md).

Slack payloads are signed with the signing secret and go through real Bolt; Teams activities go through the
real botbuilder CloudAdapter (insecure development mode, as in tests/wire/test_wire_teams.py) with replies to the
fake connector. For every one: a 2xx (invokes with a proper body), the same answer for a redelivery (Slack's
X-Slack-Retry-Num, or the same Teams activity id) with nothing more sent, no traceback or ERROR in the log,
and no apology nobody asked for at the fakes.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.teams.bot import CARD_RESPONSE, MESSAGE_RESPONSE
from handlers.core.errors import SORRY_BUG
from tests.support.harness import Harness, running

DATA = Path(__file__).resolve().parents[1] / "data" / "payloads"
SLACK = sorted((DATA / "slack").glob("*.json"))
TEAMS = sorted(p for p in (DATA / "teams").glob("*.json") if not p.name.startswith("_"))
#: Payloads that are a person's own request to the bot: they are answered (once). Everything else is
#: acknowledged and sends nothing at all.
SLACK_REQUESTS = {"app_mention"}
#: Kinds no listener of steadybot's is for: acknowledged by the app's error handler, logged at DEBUG.
SLACK_UNHANDLED = {"view_closed", "shortcut_global", "shortcut_message", "block_suggestion", "reaction_added",
                   "member_left_channel", "team_access_granted", "view_submission_not_ours",
                   "channel_rename_unknown_event"}
#: Payloads a listener may answer with something other than a message (the App Home view).
SLACK_VIEWS = {"app_home_opened": {"views.publish"}}
POSTING = ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.open", "views.update",
           "views.publish", "chat.scheduleMessage")


def _load(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc.get("_source"), f"{path.name} does not say where it came from"
    return doc


def _slack_body(doc: dict[str, Any]) -> tuple[str, str]:
    if doc["kind"] == "interactive":
        return urlencode({"payload": json.dumps(doc["payload"])}), "application/x-www-form-urlencoded"
    return json.dumps(doc["payload"]), "application/json"


def _posted(bot: Harness) -> list[dict[str, Any]]:
    return [c.params for c in bot.slack.calls if c.method in POSTING] + list(bot.slack.responses)


@contextlib.contextmanager
def _logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Everything down to DEBUG (unknown request kinds, msrest's unknown fields), but not every SQL
    statement aiosqlite echoes."""
    quiet = logging.getLogger("aiosqlite")
    level = quiet.level
    quiet.setLevel(logging.INFO)  # not through caplog.at_level: that would raise its handler's level too
    try:
        with caplog.at_level(logging.DEBUG):
            yield
    finally:
        quiet.setLevel(level)


def _problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records
            if r.levelno >= logging.ERROR or r.exc_info or "Traceback" in r.getMessage()
            or (r.levelno >= logging.WARNING and r.name.startswith(("msrest", "slack_bolt", "steadybot")))]


def test_every_payload_says_where_it_came_from() -> None:
    assert len(SLACK) >= 23 and len(TEAMS) >= 13
    for path in [*SLACK, *TEAMS, DATA / "teams" / "_envelope.json"]:
        source = _load(path)["_source"]
        assert ("repo" in source and "path" in source and len(source.get("commit", "")) == 40) or \
            str(source.get("url", "")).startswith("https://"), path.name


@pytest.mark.parametrize("path", SLACK, ids=lambda p: p.stem)
async def test_slack_payload_is_acknowledged_once(sqlite_url: str, path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    doc = _load(path)
    body, content_type = _slack_body(doc)
    async with running(sqlite_url) as bot:
        with _logs(caplog):
            first = await bot.post_slack(body, content_type)
            first_body = await first.text()
            await bot.idle()
            await bot.settle()
            sent = _posted(bot)
            retry = await bot.post_slack(body, content_type,
                                         headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
            retry_body = await retry.text()
            await bot.idle()
            await bot.settle()
        assert first.status == 200, first_body
        assert retry.status == 200, retry_body
        views = SLACK_VIEWS.get(path.stem, set())
        messages = [c.params for c in bot.slack.calls if c.method in POSTING and c.method not in views]
        if not views:
            assert _posted(bot) == sent, "the retry changed what was sent"
        if path.stem in SLACK_REQUESTS:
            assert len(sent) == 1
        else:
            assert messages == [] and bot.slack.responses == [], \
                f"{path.stem} is nobody's request, yet the bot sent {messages}"
        assert not any("Sorry" in json.dumps(params) for params in sent)
        assert _problems(caplog) == []
        unhandled = [r for r in caplog.records if r.getMessage().startswith("Slack request with no listener")]
        if path.stem in SLACK_UNHANDLED:
            assert len(unhandled) == 2 and all(r.levelno == logging.DEBUG for r in unhandled)
        elif path.stem in SLACK_VIEWS:  # acknowledged by the unhandled-request handler or by a listener
            assert all(r.levelno == logging.DEBUG for r in unhandled)
        else:
            assert unhandled == []
    kind = doc["payload"].get("type")
    if kind == "block_suggestion":
        assert json.loads(first_body) == {"options": []} == json.loads(retry_body)
    if kind == "url_verification":
        assert json.loads(first_body) == {"challenge": doc["payload"]["challenge"]}


def _teams_activity(doc: dict[str, Any], bot: Harness) -> dict[str, Any]:
    """The activity as it arrives: shortened documentation examples are completed with the envelope of a
    full one (their own fields win); the serviceUrl points at the fake connector."""
    activity = dict(doc["activity"])
    if "from" not in activity:
        envelope = _load(DATA / "teams" / "_envelope.json")["activity"]
        activity = {**envelope, **activity}
    activity.pop("serviceURL", None)
    activity["serviceUrl"] = bot.connector.url
    return activity


def _check_invoke(name: str, status: int, body: Any) -> None:
    assert status == 200, (name, status, body)
    if name == "adaptiveCard/action":  # Universal Actions: the answer is in the body
        assert body["statusCode"] == 200 and body["type"] in (CARD_RESPONSE, MESSAGE_RESPONSE), body
        assert body["value"]
    elif name in ("task/fetch", "composeExtension/fetchTask"):
        assert body["task"]["type"] in ("message", "continue") and body["task"]["value"], body
    elif name in ("task/submit", "composeExtension/submitAction"):
        assert body is None or body.get("task", {}).get("type") in ("message", "continue"), body


@pytest.mark.parametrize("path", TEAMS, ids=lambda p: p.stem)
async def test_teams_activity_is_answered_once(sqlite_url: str, path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    doc = _load(path)
    async with running(sqlite_url) as bot:
        activity = _teams_activity(doc, bot)
        with _logs(caplog):
            first = await bot.teams(activity)
            first_body = await first.text()
            await bot.settle()
            sent = [s.activity for s in bot.connector.sent]
            retry = await bot.teams(activity)  # a redelivery: the same activity id
            retry_body = await retry.text()
            await bot.settle()
        member_lookups = [r for r in caplog.records if "/members/" in r.getMessage()]
        assert member_lookups == []
        if activity["type"] == "invoke":
            for response, text in ((first, first_body), (retry, retry_body)):
                _check_invoke(activity["name"], response.status, json.loads(text) if text else None)
        else:
            assert first.status in (200, 201) and retry.status in (200, 201)
            assert first_body == "" and retry_body == ""
        assert [s.activity for s in bot.connector.sent] == sent, "the redelivery changed what was sent"
        assert sent == [], f"{path.stem} is nobody's request to the bot, yet it sent {sent}"
        assert not any(SORRY_BUG in json.dumps(s) for s in sent)
        assert _problems(caplog) == []


async def test_a_member_the_connector_does_not_know_is_no_error(sqlite_url: str,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """The fake connector answers 404 MemberNotFoundInConversation for someone not in the conversation (a
    guest, a person who already left), as Teams does; a membersAdded for them is no failure and no apology."""
    doc = _load(DATA / "teams" / "conversationUpdate_members_added_personal.json")
    async with running(sqlite_url) as bot:
        lookup = await bot.client.session.get(f"{bot.connector.url}v3/conversations/x/members/29:nobody")
        assert lookup.status == 404
        assert (await lookup.json())["error"]["code"] == "MemberNotFoundInConversation"
        guest = {**_teams_activity(doc, bot), "id": "f:guest-added",
                 "membersAdded": [{"id": "29:guest-who-left", "name": "Guest"}],
                 "conversation": {"isGroup": True, "conversationType": "channel", "id": "19:general@thread.tacv2"},
                 "channelData": {"team": {"id": "19:general@thread.tacv2"}, "eventType": "teamMemberAdded",
                                 "tenant": {"id": "tenant-1"}}}
        with _logs(caplog):
            response = await bot.teams(guest)
        assert response.status in (200, 201)
        assert bot.connector.sent == []
        assert _problems(caplog) == []
