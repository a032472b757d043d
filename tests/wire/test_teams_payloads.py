"""What the Teams middleware hands the shared pipeline (bot/teams/payloads.py `inbound`), from activities as
botbuilder deserialises them: the request, its de-duplication key, and the tenant the person belongs to."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity

from bot.inbound import Typed
from bot.teams import payloads
from bot.teams.render import ACTION_KEY, CONTEXT_KEY, FORM_KEY, VALUE_KEY
from handlers.core.types import ChatMessage, Interaction
from support import bf_connector, wire

URL = "http://connector.invalid"


def parsed(raw: dict[str, Any]) -> Any:
    return payloads.inbound(Activity().deserialize(raw))


def test_a_1on1_line_is_typed_with_its_key_and_tenant() -> None:
    inbound = parsed(wire.teams_activity("pulse me", service_url=URL, activity_id="act-1"))
    assert isinstance(inbound.request, Typed)
    assert inbound.request.text == "pulse me" and inbound.request.request_id == "act-1"
    assert inbound.request.who.alt_id == "aad-1" and inbound.request.where.is_direct
    assert inbound.key == "teams:activity:act-1" and inbound.home == bf_connector.TENANT and inbound.sealed


def test_a_mention_of_the_bot_is_typed_with_the_mention_stripped() -> None:
    inbound = parsed(wire.teams_activity("agenda add Demo", service_url=URL, conversation_type="channel",
                                         mention=True))
    assert isinstance(inbound.request, Typed) and inbound.request.text == "agenda add Demo"
    assert inbound.request.where.team_id == bf_connector.TEAM_ID and not inbound.request.where.is_direct


def test_channel_chat_goes_to_the_watchers_as_written() -> None:
    text = "<at>Dana</at> can we also add SSO?"
    raw = wire.teams_activity(text, service_url=URL, conversation_type="channel", activity_id="act-2")
    inbound = parsed(raw)
    assert isinstance(inbound.request, ChatMessage)
    assert inbound.request.text == text and inbound.request.message_id == "act-2"
    assert inbound.key == ""  # chat is never de-duplicated: the watchers claim what they answer


def test_a_mention_of_someone_else_is_not_addressed_to_the_bot() -> None:
    raw = wire.teams_activity("help", service_url=URL, conversation_type="channel", mention=True)
    raw["entities"][0]["mentioned"]["id"] = "29:someone-else"
    assert isinstance(parsed(raw).request, ChatMessage)


def test_card_data_is_a_sealed_interaction_from_a_submit_or_an_invoke() -> None:
    button = {ACTION_KEY: "pulse.open", VALUE_KEY: "sealed-value"}
    submit = parsed(wire.teams_activity(service_url=URL, value=button, reply_to_id="card-1"))
    assert isinstance(submit.request, Interaction) and submit.sealed
    assert (submit.request.action, submit.request.value) == ("pulse.open", "sealed-value")
    assert submit.request.message is not None and submit.request.message.message_id == "card-1"

    form = {FORM_KEY: "pulse.answer", CONTEXT_KEY: "sealed-context", "exhaustion": "3"}
    execute = wire.teams_activity(service_url=URL, activity_type="invoke")
    execute["name"] = "adaptiveCard/action"
    execute["value"] = {"action": {"type": "Action.Execute", "data": form}}
    inbound = parsed(execute)
    assert isinstance(inbound.request, Interaction)
    assert inbound.request.action == "pulse.answer" and inbound.request.form_values == {"exhaustion": "3"}

    task = wire.teams_activity(service_url=URL, activity_type="invoke")
    task["name"] = "task/submit"
    task["value"] = {"data": button}
    assert isinstance(parsed(task).request, Interaction)


def test_activities_that_ask_the_core_nothing_have_no_inbound() -> None:
    fetch = wire.teams_activity(service_url=URL, activity_type="invoke")
    fetch["name"] = "task/fetch"
    fetch["value"] = {"data": {ACTION_KEY: "x"}}
    submit_not_execute = wire.teams_activity(service_url=URL, activity_type="invoke")
    submit_not_execute["name"] = "adaptiveCard/action"
    submit_not_execute["value"] = {"action": {"type": "Action.Submit", "data": {ACTION_KEY: "x"}}}
    not_ours = wire.teams_activity(service_url=URL, activity_type="invoke")
    not_ours["name"] = "task/submit"
    not_ours["value"] = {"data": {"something": "else"}}
    joined = wire.teams_activity(service_url=URL, activity_type="conversationUpdate")
    nameless = wire.teams_activity("help", service_url=URL)
    del nameless["from"]
    for raw in (fetch, submit_not_execute, not_ours, joined, nameless):
        assert parsed(raw) is None, raw


def test_an_activity_without_an_id_is_never_taken_for_a_redelivery() -> None:
    raw = wire.teams_activity("help", service_url=URL)
    del raw["id"]
    assert parsed(raw).key == "teams:activity:"  # the pipeline runs keys ending in ":" every time
