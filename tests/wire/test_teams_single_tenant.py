"""A single-tenant bot (MICROSOFT_APP_TYPE=SingleTenant with MICROSOFT_APP_TENANT_ID) serves its own
organisation only. Its Teams app package can still be uploaded in another tenant, and that tenant's
activities reach /api/messages with a valid Bot Framework token; the bot acknowledges them (200, never a
5xx, so the connector does not retry) and ignores them, with one INFO line. Through real JWT validation and
real botbuilder (tests/support/teams_signed.py)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from handlers.core.types import Platform
from support import bf_connector
from tests.support.teams_signed import teams_with_keys

OTHER_TENANT = "tenant-evil"


def _from(activity: dict[str, Any], tenant: str) -> dict[str, Any]:
    activity["channelData"]["tenant"] = {"id": tenant}
    activity["conversation"]["tenantId"] = tenant
    return activity


async def test_a_single_tenant_bot_ignores_activities_of_another_tenant(
        sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with teams_with_keys(sqlite_url, teams_app_type="SingleTenant",
                               teams_tenant_id=bf_connector.TENANT.upper()) as signed:
        bot = signed.bot
        caplog.set_level(logging.INFO, logger="steadybot.teams")
        for activity in (bot.activity("help", user="29:evil", aad="aad-evil"),  # a message in a 1:1 chat
                         bot.activity("meeting calendar https://example.com/x.ics", conversation_type="channel",
                                      mention=True, user="29:evil", aad="aad-evil")):
            assert await signed.post(_from(activity, OTHER_TENANT), signed.bearer()) == 200
        invoke = _from(bot.activity("", conversation_type="channel", activity_type="invoke"), OTHER_TENANT)
        invoke["name"] = "composeExtension/submitAction"
        invoke["value"] = {"commandId": "tradeoff", "commandContext": "message"}
        assert await signed.post(invoke, signed.bearer()) == 200
        await bot.teams_settled()
        assert bot.connector.sent == []  # nothing answered…
        assert await bot.runtime.store.identities.get(Platform.TEAMS, "29:evil") is None  # …or kept
        assert await bot.runtime.store.conversations.reference(Platform.TEAMS, bf_connector.CHANNEL_ID) is None
        ignored = [r for r in caplog.records if "another tenant" in r.getMessage()]
        assert len(ignored) == 3 and all(r.levelno == logging.INFO for r in ignored)
        # its own tenant (any capitalisation of the id) is served as always
        assert await signed.post(bot.activity("help"), signed.bearer()) in (200, 201)
        await bot.teams_settled()
        assert len(bot.connector.sent) == 1 and "steadybot settings" in bot.connector.sent[0].text


async def test_a_multi_tenant_bot_serves_every_tenant(sqlite_url: str) -> None:
    async with teams_with_keys(sqlite_url, teams_tenant_id=bf_connector.TENANT) as signed:  # MultiTenant
        bot = signed.bot
        assert await signed.post(_from(bot.activity("help"), OTHER_TENANT), signed.bearer()) in (200, 201)
        await bot.teams_settled()
        assert len(bot.connector.sent) == 1
