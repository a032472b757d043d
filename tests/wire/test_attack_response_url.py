"""An attacker who can sign a Slack request (a leaked signing secret) names the `response_url` the bot answers
to. The bot POSTs answers only to Slack's webhook hosts (`hooks.slack.com`, GovSlack's `hooks.slack-gov.com`,
as in Slack's own payload examples: `https://hooks.slack.com/commands/…`, `/actions/…`, `/app/…`) or to the
configured Web API's own origin (a local fake): never to an internal address, a metadata service or a host that
only looks like Slack's (bot/slack/response_urls.py). The person still gets their answer, through the Web API."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.response_urls import ResponseUrls
from support import wire
from support.fake_server import FakeServer
from tests.support.harness import running

API = "http://127.0.0.1:8123/api/"


@pytest.mark.parametrize("url", [
    "https://hooks.slack.com/commands/T111/111/xxx",
    "https://hooks.slack.com/actions/T111/111/random-value",
    "https://hooks.slack.com/app/T111/111/xxx",
    "https://HOOKS.slack.com/commands/T1/1/x",  # a host's case does not matter
    "https://hooks.slack.com:443/commands/T1/1/x",
    "https://hooks.slack-gov.com/commands/T1/1/x",  # GovSlack
    "http://127.0.0.1:8123/response/r1",  # the configured API's origin (a local fake)
])
def test_slack_s_own_hosts_and_the_configured_api_s_origin_are_answered(url: str) -> None:
    assert ResponseUrls.for_api(API).admit(url) == url


@pytest.mark.parametrize("url", [
    "http://hooks.slack.com/commands/T1/1/x",  # not over TLS
    "https://hooks.slack.com:8443/commands/T1/1/x",
    "https://hooks.slack.com@attacker.example/commands/T1/1/x",  # Slack's name as the credentials
    "https://user:pw@hooks.slack.com/commands/T1/1/x",
    "https://hooks.slack.com.attacker.example/commands/T1/1/x",
    "https://attacker.example/hooks.slack.com/commands/T1/1/x",
    "https://slack.com/api/chat.postMessage",  # Slack, but not where answers go (the API here is the fake)
    "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
    "http://127.0.0.1:5432/",  # the database's port on the same host as the fake
    "http://127.0.0.1:8124/response/r1",  # the fake's host, another port
    "https://127.0.0.1:8123/response/r1",  # the fake's host and port, another scheme
    "http://localhost:8123/response/r1",  # the same machine by another name is another origin
    "https://hooks.slack.com:99999/x",  # a port that cannot be
    "https://hooks.slack.com:0/commands/T1/1/x",  # nobody answers on port 0: the Web API does instead
    "https://[::1/x",
    "https://hooks.slack.com/commands/T1/1/x\n",  # control characters in an address
    "https://hooks.slack.com/comm ands/T1/1/x",
    "https://hooks.slack.com/\u0085x",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "//hooks.slack.com/commands/T1/1/x",
    "hooks.slack.com/commands/T1/1/x",
    "",
    None,
    7,
    ["https://hooks.slack.com/commands/T1/1/x"],
    {"url": "https://hooks.slack.com/commands/T1/1/x"},
])
def test_anything_else_is_not_answered(url: Any) -> None:
    assert ResponseUrls.for_api(API).admit(url) == ""


@pytest.mark.parametrize("api", ["https://slack.com/api/", "https://api.slack.com/api/", "https://slack-gov.com/api/"])
def test_with_slack_s_own_api_only_slack_s_hooks_are_answered(api: str) -> None:
    urls = ResponseUrls.for_api(api)
    assert urls.admit("https://hooks.slack.com/commands/T1/1/x")
    assert not urls.admit("http://127.0.0.1:8123/response/r1")
    assert not urls.admit(api + "chat.postMessage")  # Slack's, but answers are not taken there


@pytest.mark.parametrize(("url", "logged"), [
    ("https://evil.example;secretpath/x", "(not a plain host name)"),
    ("https://evil\u202emoc.kcals.example/x", "(not a plain host name)"),  # a direction mark spoofing the line
    ("http://10.0.0.7:8080/internal/secret-path", "10.0.0.7"),
])
def test_the_log_names_a_plain_host_only(url: str, logged: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="steadybot.slack"):
        assert ResponseUrls.for_api(API).admit(url) == ""
    (record,) = caplog.records
    assert record.getMessage().endswith(f"(host {logged})")
    assert "secret" not in record.getMessage() and "\u202e" not in record.getMessage()


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(["https://hooks.slack.com/", "https://hooks.slack-gov.com/", "http://127.0.0.1:8123/",
                        "https://hooks.slack.com", "https://hooks.slack.com:", "http://127.0.0.1:8123"]),
       st.text(alphabet="/@:\\#?%. \t\n\x00\x7f\u0085\u00a0\u202e\u3002\uff0ea0Ee-[]", max_size=30))
def test_the_quick_check_admits_exactly_what_the_parsed_one_does(prefix: str, tail: str) -> None:
    # the common case is admitted on its prefix without parsing: never anything that parsing would refuse
    quick = ResponseUrls.for_api(API)
    assert quick.admit(prefix + tail) == ResponseUrls(quick.api_origin, prefixes=()).admit(prefix + tail)


class Internal(FakeServer):
    """A service inside the network the bot runs in, which nobody outside should be able to make it call."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def routes(self) -> Sequence[web.RouteDef]:
        return [web.route("*", "/{tail:.*}", self._any)]

    async def _any(self, request: web.Request) -> web.Response:
        self.seen.append(f"{request.method} {request.path}")
        return web.Response(text="ok")


@pytest.fixture
async def internal() -> AsyncIterator[Internal]:
    server = await Internal().start()
    try:
        yield server
    finally:
        await server.close()


async def test_a_signed_command_whose_response_url_is_internal_is_answered_through_the_api_not_there(
        sqlite_url: str, internal: Internal, caplog: pytest.LogCaptureFixture) -> None:
    # no answer in the ack's body: the answer would take the response_url
    async with running(sqlite_url, teams=False, slack_answer_in_ack=0.0) as bot:
        body = wire.slash_body("/steadybot", "help", response_url=internal.address("/admin/reset?all=1"))
        with caplog.at_level(logging.DEBUG):
            assert (await bot.post_slack(body)).status == 200
            await bot.idle()
        assert internal.seen == []
        (told,) = [c for c in bot.slack.calls if c.method == "chat.postEphemeral"]
        assert told.params["user"] == "U1" and told.params["channel"] == "C1"
        assert "/pulse" in str(told.params.get("text", "")) + str(told.params.get("blocks", ""))
        assert not bot.slack.responses
    ignored = [r for r in caplog.records if "response_url outside Slack's hosts" in r.getMessage()]
    assert len(ignored) == 1 and ignored[0].levelno == logging.WARNING
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/admin/reset" not in logged  # the host only, never the path (a real one is a credential)
    assert not [r for r in caplog.records if r.exc_info]


async def test_a_signed_press_whose_response_url_is_internal_never_reaches_it(
        sqlite_url: str, internal: Internal) -> None:
    async with running(sqlite_url, teams=False) as bot:
        url = internal.address("/latest/meta-data/")
        # a sealed press on an ephemeral message (answered in place), and a value that is not the bot's own
        assert (await bot.press_sealed("timebox.stop", "1", response_url=url, is_ephemeral=True)).status == 200
        assert (await bot.press("timebox.stop", "forged", response_url=url, is_ephemeral=True)).status == 200
        await bot.idle()
        assert internal.seen == []
        told = [c for c in bot.slack.calls if c.method in ("chat.postEphemeral", "chat.postMessage")]
        assert len(told) == 2 and {c.params["user"] for c in told} == {"U1"}


async def test_a_command_with_slack_s_own_response_url_shape_on_the_fake_is_still_answered_there(
        sqlite_url: str) -> None:
    async with running(sqlite_url, teams=False, slack_answer_in_ack=0.0) as bot:
        body = wire.slash_body("/steadybot", "help", response_url=bot.slack.response_url("mine"))
        assert (await bot.post_slack(body)).status == 200
        (answer,) = await bot.slack.wait_for_responses(1)
        assert answer["_key"] == "mine" and answer["response_type"] == "ephemeral"
