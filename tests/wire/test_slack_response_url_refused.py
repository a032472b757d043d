"""A response_url that does not take an answer (Slack keeps one for 30 minutes and 5 answers; a malformed
message is refused too) leaves the person with nothing on screen: the log says so, once, at WARNING, with
Slack's word for why — and without the URL, which is a credential for as long as it lives."""

from __future__ import annotations

import logging

import pytest

from bot.slack.replier import _refusal
from tests.support.harness import block_texts, running


@pytest.mark.parametrize(("status", "body", "said"), [
    (200, "ok", ""),
    (200, '{"ok": true}', ""),
    (200, "", ""),
    (404, "expired_url", "404 expired_url"),
    (404, "used_url", "404 used_url"),
    (400, "invalid_blocks", "400 invalid_blocks"),
    (200, '{"ok": false, "error": "no_text"}', "200 no_text"),
    (200, '{"ok": false}', "200 not ok"),
    (200, "{not json", ""),
    (500, "", "500"),
    (502, "<html>\n<body>Bad\tGateway</body>\n" + "x" * 500, None),
])
def test_what_a_refusal_is_said_as(status: int, body: str, said: str | None) -> None:
    got = _refusal(status, body)
    if said is None:  # a proxy's page: one line, cut short
        assert got.startswith("502 <html> <body>Bad Gateway") and "\n" not in got and len(got) <= 84
    else:
        assert got == said


async def test_a_refused_answer_is_logged_without_its_url(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(db_url, teams=False, slack_answer_in_ack=0) as bot:
        bot.slack.expired["gone-key"] = "expired_url"
        response = await bot.slash("/steadybot", "help", response_key="gone-key")
        assert response.status == 200 and (await response.text()) == ""  # answered through response_url only
        await bot.idle()
        assert bot.slack.responses == []
        refused = [r for r in caplog.records if "refused an answer" in r.getMessage()]
        assert len(refused) == 1 and refused[0].levelno == logging.WARNING
        assert "404 expired_url" in refused[0].getMessage()
        # the URL is in no line of the bot's (aiohttp.access here is the fake Slack's own server log)
        assert not [r for r in caplog.records if "gone-key" in r.getMessage() and r.name != "aiohttp.access"]

        caplog.clear()
        await bot.slash("/steadybot", "help", response_key="fine-key")
        answers = await bot.slack.wait_for_responses(1)
        await bot.idle()
        assert "what I can do" in block_texts(answers[0])
        assert not [r for r in caplog.records if "refused an answer" in r.getMessage()]  # a taken one: nothing
