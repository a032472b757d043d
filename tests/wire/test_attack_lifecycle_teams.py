"""Lifecycle and side activities real Teams sends, through the real aiohttp app, real botbuilder and the fake
Bot Framework connector: the platform gets a 2xx (an invoke a proper InvokeResponse), the bot stays silent
(nobody asked it anything; DESIGN.md designs no welcome), no ERROR or traceback in the log, no apology.

What tests/wire/test_replay_payloads.py already replays (bot added to a team, channelCreated, teamRenamed,
memberRemoved, installationUpdate add/remove in a team, messageReaction removed, the card and task invokes)
is not repeated here; tests/wire/test_teams_invokes.py sends the other invokes with one-field values, here they
carry the documented ones.

Shapes (each case names its own section):
- DOCS = MicrosoftDocs/msteams-docs, msteams-platform/bots/how-to/conversations/subscribe-to-conversation-events.md
  (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/subscribe-to-conversation-events)
- FILES = MicrosoftDocs/msteams-docs, msteams-platform/bots/how-to/bots-filesv4.md
  (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/bots-filesv4)
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from handlers.core.errors import SORRY_BUG
from support import bf_connector
from tests.support.harness import Harness

I_DONT_KNOW = "I don't know"
TEAM = {"team": {"id": bf_connector.TEAM_ID}, "tenant": {"id": bf_connector.TENANT}}
BOT = {"id": bf_connector.BOT_ID, "name": "steadybot"}


def _problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records
            if r.levelno >= logging.ERROR or r.exc_info or "Traceback" in r.getMessage()]


def _channel(bot: Harness, kind: str, **fields: Any) -> dict[str, Any]:
    activity = bot.activity(activity_type=kind, conversation_type="channel")
    activity.pop("text", None)
    activity.update(fields)
    return activity


# ---- conversationUpdate / installationUpdate / reactions / edits / typing / events ---------------------------
def _lifecycle(bot: Harness, case: str) -> dict[str, Any]:
    if case == "channelRenamed":  # DOCS, "Channel renamed"
        return _channel(bot, "conversationUpdate", channelData={
            **TEAM, "channel": {"id": "19:4104f2d3ba2a4bcc9a0dbc6b57a0ff32@thread.skype", "name": "My Renamed Channel"},
            "eventType": "channelRenamed"})
    if case == "channelDeleted":  # DOCS, "Channel deleted"
        return _channel(bot, "conversationUpdate", channelData={
            **TEAM, "channel": {"id": "19:4104f2d3ba2a4bcc9a0dbc6b57a0ff32@thread.skype", "name": "My Deleted Channel"},
            "eventType": "channelDeleted"})
    if case == "teamArchived":  # DOCS, "Team archived"
        return _channel(bot, "conversationUpdate", channelData={
            "team": {"id": bf_connector.TEAM_ID, "name": "Archived Team Name", "aadGroupId": "d3e1f5d6-a1"},
            "eventType": "teamArchived", "tenant": {"id": bf_connector.TENANT}})
    if case == "membersAdded_bot_and_others":  # DOCS, "Members added" (the bot and a team member at once)
        return _channel(bot, "conversationUpdate", membersAdded=[
            BOT, {"id": "29:1I9Is_Sx0OuRY8Av7ZaXl2m9b1k5-Wb0bJO", "aadObjectId": "1d3c7e6c-b4"}],
            channelData={**TEAM, "eventType": "teamMemberAdded"})
    if case == "membersRemoved_bot":  # DOCS, "Members removed" (the bot removed from the team)
        return _channel(bot, "conversationUpdate", membersRemoved=[BOT],
                        channelData={**TEAM, "eventType": "teamMemberRemoved"})
    if case == "installationUpdate_add_upgrade":  # DOCS, "Install update event" (action add-upgrade)
        return _channel(bot, "installationUpdate", action="add-upgrade",
                        channelData={**TEAM, "source": {"name": "message"}})
    if case == "installationUpdate_add_personal":  # DOCS, "Install update event", in a 1:1
        activity = bot.activity(activity_type="installationUpdate")
        activity.pop("text", None)
        activity["action"] = "add"
        return activity
    if case == "installationUpdate_add_groupChat":  # DOCS, "Install update event", in a group chat
        activity = bot.activity(activity_type="installationUpdate", conversation_type="groupChat",
                                conversation="19:group-chat-1@thread.v2")
        activity.pop("text", None)
        activity["action"] = "add"
        return activity
    if case == "messageReaction_added":  # DOCS, "Reactions to a bot message" (reactionsAdded)
        return _channel(bot, "messageReaction", reactionsAdded=[{"type": "like"}], replyToId="1575667808184")
    if case == "messageUpdate_edit":  # DOCS, "Edit message event" (conversation-messages.md)
        return _channel(bot, "messageUpdate", text="can we also add SSO while we're at it?",
                        channelData={**TEAM, "eventType": "editMessage"})
    if case == "messageDelete_soft":  # DOCS, "Soft delete message event" (conversation-messages.md)
        return _channel(bot, "messageDelete", channelData={**TEAM, "eventType": "softDeleteMessage"})
    if case == "typing_personal":  # Bot Framework activity schema: typing (botframework-sdk specs/botframework-activity)
        activity = bot.activity(activity_type="typing")
        activity.pop("text", None)
        return activity
    if case == "readReceipt":  # msteams-docs bots/how-to/conversations/read-receipts.md (event in a 1:1)
        activity = bot.activity(activity_type="event")
        activity.pop("text", None)
        activity.update(name="application/vnd.microsoft.readReceipt", value={"lastReadMessageId": "1692331224539"})
        return activity
    raise AssertionError(case)


LIFECYCLE = ["channelRenamed", "channelDeleted", "teamArchived", "membersAdded_bot_and_others", "membersRemoved_bot",
             "installationUpdate_add_upgrade", "installationUpdate_add_personal", "installationUpdate_add_groupChat",
             "messageReaction_added", "messageUpdate_edit", "messageDelete_soft", "typing_personal", "readReceipt"]


@pytest.mark.parametrize("case", LIFECYCLE)
async def test_a_lifecycle_activity_is_acknowledged_in_silence(bot: Harness, case: str,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    activity = _lifecycle(bot, case)
    response = await bot.teams(activity)
    assert response.status in (200, 201), (response.status, await response.text())
    await bot.settle()
    assert bot.connector.sent == [], f"{case} is nobody's request, yet the bot sent {bot.connector.sent}"
    assert _problems(caplog) == []


# ---- invokes the bot has no feature for, with their documented values ---------------------------------------
INVOKES: list[tuple[str, Any, str]] = [
    # msteams-docs bots/how-to/authentication/add-authentication.md ("signin/verifyState" with the magic code)
    ("signin/verifyState", {"state": "830942"}, "add-authentication.md"),
    # FILES, "Invoke activity when the user accepts the file" / "... declines"
    ("fileConsent/invoke", {"type": "fileUpload", "action": "accept", "context": {}, "uploadInfo": {
        "contentUrl": "https://contoso.sharepoint.com/personal/johnadams_contoso_com/Documents/Applications/file_example.txt",
        "name": "file_example.txt", "uploadUrl": "https://upload.link", "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8C",
        "fileType": "txt", "etag": "123"}}, "FILES accept"),
    ("fileConsent/invoke", {"type": "fileUpload", "action": "decline", "context": {}}, "FILES decline"),
    # msteams-docs task-modules-and-cards/cards/cards-reference.md (O365 connector card HttpPOST action)
    ("actionableMessage/executeAction", {"body": "{\"text\":\"hello\"}", "actionId": "card-1-btn-1"}, "o365 connector"),
    # msteams-docs messaging-extensions/how-to/search-commands/respond-to-search.md ("querySettingUrl")
    ("composeExtension/querySettingUrl", {"commandId": "searchQuery", "parameters": [
        {"name": "initialRun", "value": "true"}], "queryOptions": {"skip": 0, "count": 25}}, "querySettingUrl"),
    # msteams-docs tabs/how-to/build-adaptive-card-tabs.md ("tab/fetch" invoke request)
    ("tab/fetch", {"tabContext": {"tabEntityId": "homeTab"}, "context": {"theme": "default"}}, "card tabs"),
    # msteams-docs bots/how-to/bot-configuration-experience.md ("config/fetch")
    ("config/fetch", {"commandId": "", "data": {"type": "Action.Submit"}}, "bot configuration"),
    # msteams-docs bots/how-to/bot-messages-ai-generated-content.md (the feedback buttons' "message/submitAction")
    ("message/submitAction", {"actionName": "feedback", "actionValue": {
        "reaction": "like", "feedback": "{\"feedbackText\":\"great\"}"}}, "feedback-loop.md"),
]


@pytest.mark.parametrize(("name", "value", "source"), INVOKES, ids=[f"{n}:{s}" for n, _, s in INVOKES])
async def test_an_invoke_the_bot_has_no_feature_for_is_a_quiet_200(bot: Harness, name: str, value: Any, source: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    activity = bot.activity(activity_type="invoke", value=value)
    activity.pop("text", None)
    activity["name"] = name
    response = await bot.teams(activity)
    text = await response.text()
    assert response.status == 200, (response.status, text)  # never botbuilder's 501
    if text:
        json.loads(text)
    await bot.settle()
    assert bot.connector.sent == [], bot.connector.sent
    assert _problems(caplog) == []


# ---- messages with no words in them ---------------------------------------------------------------------------
IMAGE = {"contentType": "image/*",  # FILES, "Fetch inline images from message": attachments[0] image/*
         "contentUrl": "https://smba.trafficmanager.net/amer/v3/attachments/0-wus-d4-abc/views/original"}
FILE = {"contentType": "application/vnd.microsoft.teams.file.download.info",  # FILES, "Message activity with file"
        "contentUrl": "https://contoso.sharepoint.com/personal/johnadams_contoso_com/Documents/Applications/file_example.txt",
        "name": "file_example.txt", "content": {"downloadUrl": "https://download.link",
                                                "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
                                                "fileType": "txt", "etag": "123"}}


@pytest.mark.parametrize("attachment", [IMAGE, FILE], ids=["image", "file"])
async def test_an_attachment_in_channel_chat_is_nobodys_request(bot: Harness, attachment: dict[str, Any],
                                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    activity = _channel(bot, "message", attachments=[attachment])
    assert (await bot.teams(activity)).status in (200, 201)
    await bot.settle()
    assert bot.connector.sent == []
    assert _problems(caplog) == []


async def _answer(bot: Harness, activity: dict[str, Any]) -> str:
    before = len(bot.connector.sent)
    assert (await bot.teams(activity)).status in (200, 201)
    await bot.settle()
    sent = bot.connector.sent[before:]
    assert len(sent) == 1, sent
    return sent[0].text


@pytest.mark.parametrize(("conversation_type", "attachment"), [
    ("channel", None), ("groupChat", None), ("personal", IMAGE), ("personal", FILE)],
    ids=["bare_mention_channel", "bare_mention_groupChat", "personal_image_only", "personal_file_only"])
async def test_a_line_with_no_words_gets_the_overview_not_i_dont_know(bot: Harness, conversation_type: str,
                                                                      attachment: dict[str, Any] | None) -> None:
    """Someone who only @mentions the bot (the mention as in msteams-docs
    bots/how-to/conversations/channel-and-group-conversations.md, "Retrieve mentions"), or sends it only an image
    or a file in a 1:1 (FILES), addressed it but typed nothing: the answer is what `help` answers, not
    "I don't know ‘that’" about a word nobody wrote."""
    mention = attachment is None
    expected = await _answer(bot, bot.activity("help", conversation_type=conversation_type, mention=mention))
    activity = bot.activity("", conversation_type=conversation_type, mention=mention)
    if mention:
        activity["text"] = "<at>steadybot</at>"
    else:
        activity.pop("text")
        activity["attachments"] = [attachment]
    got = await _answer(bot, activity)
    assert SORRY_BUG not in got
    assert I_DONT_KNOW not in got and got == expected, got


@pytest.mark.parametrize("shape", ["isGroup", "team", "thread"])
async def test_a_conversation_without_its_kind_is_not_taken_for_a_one_to_one_chat(bot: Harness, shape: str) -> None:
    """Teams names every conversation's kind (`conversationType`); an activity without it was read as a 1:1 chat,
    so "lunch anyone?" in a group got "I don't know ‘lunch’" — and a private answer would have gone to the group."""
    activity = bot.activity("lunch anyone?", conversation_type="groupChat", conversation="19:group-x@thread.v2")
    del activity["conversation"]["conversationType"]
    if shape != "isGroup":
        activity["conversation"]["isGroup"] = False if shape == "team" else None
    if shape == "team":
        activity["channelData"]["team"] = {"id": bf_connector.TEAM_ID}
    if shape == "thread":
        activity["conversation"]["id"] = "19:group-x@thread.v2;messageid=1700000000001"
    before = len(bot.connector.sent)
    assert (await bot.teams(activity)).status in (200, 201)
    await bot.settle()
    assert bot.connector.sent[before:] == []  # a group's chatter, not a word to the bot


async def test_a_one_to_one_chat_without_its_kind_is_still_answered(bot: Harness) -> None:
    activity = bot.activity("help")
    del activity["conversation"]["conversationType"]
    activity["conversation"].pop("isGroup")
    assert "pulse" in (await _answer(bot, activity)).lower()
