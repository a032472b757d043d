"""The names the Slack adapter reads for a request (people mentioned, a private channel's name) are a courtesy:
never a reason to leave the request unanswered, to make it wait long, or to read out a name the writer's
workspace cannot see.

Re-review of the markup change: a dropped connection to Slack on conversations.info or users.info left the
command unanswered (the work failed after its ack; its de-duplication key was already taken, so Slack's
redelivery was ignored), and a person stored from any workspace was named for a mention typed as text.
Real signed requests through Bolt and the fake Slack API."""

from __future__ import annotations

from handlers.core.types import Person, Platform
from tests.support.harness import Harness, running
from tests.support.meetings_helpers import text_of
from tests.wire.test_replay_payloads import POSTING


def _drop(method: str):  # type: ignore[no-untyped-def]
    return lambda called, params: (0, {}, {}) if called == method else None


async def _answers(bot: Harness) -> list[str]:
    await bot.idle()
    await bot.settle()
    posted = [text_of(c.params) for c in bot.slack.calls if c.method in POSTING]
    return posted + [str(r) for r in bot.slack.responses]


async def test_a_private_channels_command_is_answered_when_conversations_info_drops(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        bot.slack.add_user("U1", "ana")
        bot.slack.add_channel("G0PRIV1", "U1", ["U1", "UBOT"], name="secret-plans", private=True)
        bot.slack.faults.append(_drop("conversations.info"))
        response = await bot.slash("/timebox", "5m standup", channel="G0PRIV1", channel_name="privategroup")
        assert response.status == 200
        said = " ".join([await response.text(), *await _answers(bot)])
        assert "standup" in said, said[:400]


async def test_a_mention_is_named_someone_when_users_info_drops(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        bot.slack.add_user("U1", "ana")
        bot.slack.add_user("U2", "bo")
        bot.slack.add_channel("C1", "U1", ["U1", "U2", "UBOT"])
        bot.slack.faults.append(_drop("users.info"))
        response = await bot.slash("/tradeoff", "ask <@U2> to review the API too", channel="C1", channel_name="team")
        said = " ".join([await response.text(), *await _answers(bot)])
        assert "ask @someone to review the API too" in said, said[:400]


async def test_a_slow_slack_costs_a_name_not_the_answer(sqlite_url: str) -> None:
    """Slack answers each call after a second: the names get half a second together, then read
    `@someone`; the command is answered."""
    async with running(sqlite_url) as bot:
        bot.slack.add_user("U1", "ana")
        bot.slack.add_user("U2", "bo")
        bot.slack.add_channel("C1", "U1", ["U1", "U2", "UBOT"])
        bot.slack.latency = 1.0
        response = await bot.slash("/tradeoff", "ask <@U2> to review the API too", channel="C1", channel_name="team")
        said = " ".join([await response.text(), *await _answers(bot)])
        assert "ask @someone to review the API too" in said, said[:400]


async def test_a_mention_typed_as_text_never_reads_out_a_name_slack_does_not_give(sqlite_url: str) -> None:
    """`&lt;@U9&gt;` typed as text decodes to the same `<@U9>` a real mention gives. U9 is stored (they used
    the bot, from another workspace of this install), but Slack does not know them in the writer's: the name
    stays unread."""
    async with running(sqlite_url) as bot:
        bot.slack.add_user("U1", "ana")
        bot.slack.add_channel("C1", "U1", ["U1", "UBOT"])
        await bot.runtime.store.identities.remember(Person(Platform.SLACK, "U9", "Secret Name"), "T_OTHER")
        response = await bot.slash("/tradeoff", "ask &lt;@U9&gt; to review", channel="C1", channel_name="team")
        said = " ".join([await response.text(), *await _answers(bot)])
        assert "Secret Name" not in said and "ask @someone to review" in said, said[:400]


async def test_one_refused_lookup_does_not_cost_the_name_for_hours(sqlite_url: str) -> None:
    """Third review: one refusal (`ratelimited`, `internal_error`) was kept as "no name" for the cache's six
    hours. A refusal that is no rate limit is asked again on the next request (a rate limit: after its
    Retry-After, below)."""
    async with running(sqlite_url) as bot:
        bot.slack.add_user("U1", "ana")
        bot.slack.add_user("U2", "bo")
        bot.slack.add_channel("C1", "U1", ["U1", "U2", "UBOT"])
        limited = [True]

        def once(method: str, params: dict[str, object]):  # type: ignore[no-untyped-def]
            if method == "users.info" and params.get("user") == "U2" and limited:
                limited.clear()
                return 200, {"ok": False, "error": "internal_error"}, {}
            return None

        bot.slack.faults.append(once)
        await bot.slash("/tradeoff", "ask <@U2> to review the API too", channel="C1", channel_name="team")
        assert "ask @someone to review the API too" in " ".join(await _answers(bot))
        await bot.slash("/tradeoff", "ask <@U2> to check the SDK too", channel="C1", channel_name="team")
        assert "ask @bo to check the SDK too" in " ".join(await _answers(bot))


async def test_several_people_mentioned_are_looked_up_at_once(sqlite_url: str) -> None:
    """Third review: one after another within the half second, the third of three people read `@someone` when
    each lookup took 200 ms. At once, all three are named."""
    async with running(sqlite_url) as bot:
        bot.slack.add_user("U1", "ana")
        for uid, name in (("U2", "bo"), ("U3", "cy"), ("U4", "di")):
            bot.slack.add_user(uid, name)
        bot.slack.add_channel("C1", "U1", ["U1", "U2", "U3", "U4", "UBOT"])
        bot.slack.latency = 0.2
        await bot.slash("/tradeoff", "ask <@U2> <@U3> <@U4> to review the API too", channel="C1",
                        channel_name="team")
        assert "ask @bo @cy @di to review the API too" in " ".join(await _answers(bot))


async def test_a_rate_limited_workspace_is_not_asked_again_before_retry_after(sqlite_url: str) -> None:
    """Fourth review: asked again at once, every request with ten mentions made ten more refused calls while
    Slack's limit lasted (the same tier the pulse's member lookups use)."""
    async with running(sqlite_url) as bot:
        bot.slack.add_user("U1", "ana")
        ids = [f"U{n:02d}X" for n in range(10)]
        for uid in ids:
            bot.slack.add_user(uid, uid.lower())
        bot.slack.add_channel("C1", "U1", ["U1", *ids, "UBOT"])
        bot.slack.faults.append(lambda method, params: (429, {"ok": False, "error": "ratelimited"},
                                                        {"Retry-After": "60"}) if method == "users.info" else None)
        mentions = " ".join(f"<@{uid}>" for uid in ids)
        await bot.slash("/tradeoff", f"ask {mentions} to review the API too", channel="C1", channel_name="team")
        await _answers(bot)
        first = sum(1 for c in bot.slack.calls if c.method == "users.info")
        await bot.slash("/tradeoff", f"ask {mentions} to check the SDK too", channel="C1", channel_name="team")
        said = " ".join(await _answers(bot))
        assert sum(1 for c in bot.slack.calls if c.method == "users.info") == first, first
        assert "to check the SDK too" in said  # answered, the names read @someone


async def test_lookups_cut_short_leave_the_client_working(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        bot.slack.add_user("U1", "ana")
        for uid, name in (("U2", "bo"), ("U3", "cy")):
            bot.slack.add_user(uid, name)
        bot.slack.add_channel("C1", "U1", ["U1", "U2", "U3", "UBOT"])
        bot.slack.latency = 1.0
        await bot.slash("/tradeoff", "ask <@U2> <@U3> to review the API too", channel="C1", channel_name="team")
        assert "ask @someone @someone to review" in " ".join(await _answers(bot))
        bot.slack.latency = 0.0
        await bot.slash("/tradeoff", "ask <@U2> <@U3> to check the SDK too", channel="C1", channel_name="team")
        assert "ask @bo @cy to check the SDK too" in " ".join(await _answers(bot))
