"""Pure logic of the scope-creep feature: amounts, references, cards on every platform, the watcher's
cheap path, the meetings seam."""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.slack.render import message_blocks
from bot.teams.render import card
from handlers.core.clock import FakeClock
from handlers.core.errors import UserError
from handlers.core.registry import Pending
from handlers.core.services import CoreSettings, Services
from handlers.core.types import ChatMessage, Person, Place, Platform, Reply, Target
from handlers.meetings.api import MeetingNow
from handlers.scope import cards, detector, meeting
from handlers.scope.actions import format_extension, pair_of, parse_extension, prompt_id_of
from handlers.scope.api import decisions_summary
from handlers.scope.commands import pick
from handlers.scope.detector import Detection, detect
from handlers.scope.ports import Admit, ChannelLearning, Claimed, Item, ItemKind, Prompt, Watching
from handlers.scope.sensitivity import SENSITIVITIES
from handlers.scope.watch import MOST_EAGER, sensitivity_of, watch_message
from tests.support.cards import assert_valid_blocks, assert_valid_card

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
C1 = Place(Platform.SLACK, "C1", "T1")
ANA = Person(Platform.SLACK, "U1", "ana")
CORPUS = Path(__file__).resolve().parents[1] / "data" / "scope_creep_messages.jsonl"


def _prompt(source: str = "watch", **kw: Any) -> Prompt:
    values: dict[str, Any] = {"id": 42, "place": C1.in_thread("1.0"), "source": source,
                              "request": "can we also add a CSV export to the release?",
                              "quote": "can we also add a CSV export to the release?", "score": 5.0,
                              "created_at": NOW}
    values.update(kw)
    return Prompt(**values)


def _item(n: int, text: str) -> Item:
    return Item(id=n, kind=ItemKind.COMMITMENT, text=text, created_at=NOW)


# ---- amounts of time ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("1 week", "+1 week"), ("+3 days", "+3 days"), ("2w", "+2 weeks"), ("1w2d", "+1 week 2 days"),
    ("10 days", "+1 week 3 days"), ("4 hours", "+4 hours"), ("1d 6h", "+1 day 6 hours"), ("26 weeks", "+26 weeks"),
])
def test_extensions(text: str, expected: str) -> None:
    assert parse_extension(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("", "How much more time"), ("   ", "How much more time"), ("3", "days or weeks"), ("soon", "couldn't read"),
    ("30 minutes", "less than an hour"), ("27 weeks", "more than half a year"), ("-2 days", "couldn't read"),
    ("\u202e\x00", "How much more time"), ("9" * 100, "days or weeks"),
])
def test_bad_extensions(text: str, message: str) -> None:
    with pytest.raises(UserError) as err:
        parse_extension(text)
    assert message in err.value.text()
    assert err.value.example


def test_format_extension() -> None:
    assert format_extension(timedelta(days=1)) == "+1 day"
    assert format_extension(timedelta(weeks=1)) == "+1 week"
    assert format_extension(timedelta(days=15, hours=1)) == "+2 weeks 1 day 1 hour"


# ---- button values --------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["", " ", "0", "-1", "abc", "1.5", "1:2", "9" * 19, "١٢", "1\n"])
def test_bad_prompt_ids(value: str) -> None:
    if value == "1\n":
        assert prompt_id_of(value) == 1  # surrounding whitespace is fine
        return
    with pytest.raises(UserError):
        prompt_id_of(value)


def test_pairs() -> None:
    assert pair_of("12:1w") == (12, "1w")
    for bad in ("12", "12:", ":1w", "12:1w:3", "12:" + "x" * 30, "12:1 w"):
        with pytest.raises(UserError):
            pair_of(bad)


# ---- list references ------------------------------------------------------------------------------------
def test_pick() -> None:
    items = [_item(1, "Search page"), _item(2, "Billing page"), _item(3, "Dark mode")]
    assert pick(items, "2", "commitment", "x").id == 2
    assert pick(items, "#3", "commitment", "x").id == 3
    assert pick(items, "²", "commitment", "x").id == 2  # NFKC: a superscript two is a two
    assert pick(items, "dark MODE", "commitment", "x").id == 3
    assert pick(items, "billing", "commitment", "x").id == 2
    for ref in ("page", "4", "0", "zebra", "", "١٢", "1.5"):
        with pytest.raises(UserError):
            pick(items, ref, "commitment", "x")
    with pytest.raises(UserError, match="no commitments"):
        pick([], "1", "commitment", "x")


# ---- cards ----------------------------------------------------------------------------------------------
def _all_cards() -> list[Reply]:
    running = MeetingNow(7, "Sprint review", NOW + timedelta(minutes=30), True)
    commitments = [_item(n, f"Commitment number {n} with a long name " * 3) for n in range(1, 8)]
    replies = [
        cards.prompt_reply(_prompt()), cards.prompt_reply(_prompt("command"), running),
        cards.drop_reply(_prompt(), commitments), cards.drop_reply(_prompt(), [], note="gone"),
        cards.extend_reply(_prompt()), cards.form_reply(cards.drop_form(_prompt())),
        cards.form_reply(cards.extend_form(_prompt())),
    ]
    for outcome, extra in (("drop", {"dropped": "PDF"}), ("extend", {"extension": "+1 week"}), ("park", {}),
                           ("park", {"meeting_title": "Sprint review"}), ("dismiss", {})):
        replies.append(cards.decided_reply(_prompt(outcome=outcome, added="CSV export", **extra)))
        replies.append(cards.decided_reply(_prompt("command", outcome=outcome, added="CSV export", **extra)))
    return replies


def test_every_card_renders_valid_on_slack_and_teams() -> None:
    for reply in _all_cards():
        assert_valid_blocks(message_blocks(reply))
        assert_valid_card(card(reply))
        assert all(len(b.value) <= 40 for b in reply.buttons)


def test_prompt_buttons() -> None:
    labels = [b.label for b in cards.prompt_reply(_prompt()).buttons]
    assert labels == ["Drop something", "Extend the deadline", "Park it", "Not scope creep"]
    no_agenda = MeetingNow(7, "Standup", NOW, False)
    assert [b.label for b in cards.prompt_reply(_prompt(), no_agenda).buttons] == labels
    with_agenda = MeetingNow(7, "Standup", NOW, True)
    buttons = cards.prompt_reply(_prompt("command"), with_agenda).buttons
    assert [b.label for b in buttons][-2:] == ["Park it for after the meeting", "Never mind"]
    assert buttons[-2].value == "42:7"
    drop = cards.drop_reply(_prompt(), [_item(n, f"item {n}") for n in range(1, 9)])
    assert [b.label for b in drop.buttons] == [f"Drop: item {n}" for n in range(1, 6)] + ["Type it in…", "Back"]


def test_decisions_read_like_the_issue_says() -> None:
    assert cards.decision_text(_prompt(outcome="drop", added="X", dropped="Y")) == "**Decided:** Added “X”; dropped “Y”."
    assert cards.decision_text(_prompt(outcome="extend", added="X", extension="+1 week")) == \
        "**Decided:** Added “X”; deadline +1 week."
    assert cards.decision_text(_prompt(outcome="park", added="X")).startswith("**Decided:** Parked “X”")


def test_user_text_cannot_break_the_markup() -> None:
    nasty = "**bold** `code` “quotes” " + "\u202e" + "x" * 500
    shown = cards.safe(nasty)
    assert "**" not in shown and "`" not in shown and "“" not in shown and "\u202e" not in shown
    assert len(shown) <= 120
    reply = cards.prompt_reply(_prompt(quote=nasty))
    assert reply.text.count("**") == 2


# ---- the watcher's cheap path ---------------------------------------------------------------------------
@dataclass
class CountingStore:
    """Stands in for storage.Store: counts every query the watcher makes."""

    queries: list[str] = field(default_factory=list)
    watch: bool = True
    sensitivity: str = "normal"
    offset: float = 0.0

    @property
    def settings(self) -> CountingStore:
        return self

    @property
    def scope(self) -> CountingStore:
        return self

    async def claim_thread(self, place: Place, root: str, request: str, quote: str, score: float) -> Prompt:
        self.queries.append(f"claim {root}")
        return _prompt(place=place.in_thread(root), request=request, quote=quote, score=score)

    async def claim_watched(self, place: Place, root: str, request: str, quote: str, score: float, admit: Admit,
                            meeting_at: datetime | None) -> Claimed | None:
        self.queries.append(f"claim_watched {root}")
        watching = Watching(self.sensitivity, ChannelLearning(self.offset)) if self.watch else None
        threshold = None if watching is None else admit(watching)
        if threshold is None:
            return None
        return Claimed(_prompt(place=place.in_thread(root), request=request, quote=quote, score=score), threshold)


def _services(store: CountingStore) -> Services:
    return Services(CoreSettings(), FakeClock(NOW), store, None, None, random.Random(1))  # type: ignore[arg-type]


def _chat(text: str, **kw: Any) -> ChatMessage:
    values: dict[str, Any] = {"who": ANA, "where": C1, "text": text, "message_id": "9.0001", "event_id": "Ev1"}
    values.update(kw)
    return ChatMessage(**values)


async def test_ordinary_chat_costs_no_query(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "handlers.meetings.api", None)  # as if the meetings feature were absent
    store = CountingStore()
    svc = _services(store)
    for text in ("merged the PR", "", "   ", "👍", "can we also grab coffee?", "x" * 50_000):
        assert await watch_message(_chat(text), svc) is None
    assert store.queries == []
    # edits, bots and direct chats are never considered, whatever they say
    ask = "while we're at it, can we also add a CSV export to the release?"
    assert await watch_message(_chat(ask, is_edit=True), svc) is None
    assert await watch_message(_chat(ask, who=Person(Platform.SLACK, "B1", is_bot=True)), svc) is None
    assert await watch_message(_chat(ask, where=Place(Platform.SLACK, "D1", is_direct=True)), svc) is None
    assert store.queries == []
    reply = await watch_message(_chat(ask), svc)
    assert reply is not None and store.queries == ["claim_watched 9.0001"]  # settings, claim, meeting: one unit
    # in a thread the thread's root is claimed, not the message
    store.queries.clear()
    await watch_message(_chat(ask, where=C1.in_thread("8.0001")), svc)
    assert store.queries[-1] == "claim_watched 8.0001"


async def test_watch_off_and_odd_sensitivity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "handlers.meetings.api", None)
    ask = "while we're at it, can we also add a CSV export to the release?"
    store = CountingStore(watch=False)
    assert await watch_message(_chat(ask), _services(store)) is None
    assert store.queries == ["claim_watched 9.0001"]
    store = CountingStore(sensitivity="paranoid")  # a value the settings never write: read as normal
    assert await watch_message(_chat(ask), _services(store)) is not None
    assert sensitivity_of("paranoid") == "normal" and sensitivity_of("low") == "low"
    assert MOST_EAGER == "high"


async def test_the_watcher_scores_once_and_decides_as_the_detector_at_the_channels_setting(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The detector runs once per message (its score does not depend on the sensitivity), and the watcher
    still prompts for exactly the messages `detect` flags at the channel's sensitivity and learned offset."""
    monkeypatch.setitem(sys.modules, "handlers.meetings.api", None)
    runs: list[str] = []

    def counted(text: str, **kw: Any) -> Detection:
        runs.append(text)
        return detect(text, **kw)

    monkeypatch.setattr(detector, "detect", counted)
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    for sensitivity in (*SENSITIVITIES, "paranoid"):
        for offset in (-0.5, 0.0, 0.25, 0.75, 1.0, float("nan")):
            store = CountingStore(sensitivity=sensitivity, offset=offset)
            for text in texts:
                runs.clear()
                prompted = await watch_message(_chat(text), _services(store)) is not None
                expected = (detect(text, sensitivity=MOST_EAGER).is_scope_creep
                            and detect(text, sensitivity=sensitivity_of(sensitivity), offset=offset).is_scope_creep)
                assert prompted == expected, (sensitivity, offset, text)
                assert len(runs) == 1, text


# ---- the meetings seam and the report API ---------------------------------------------------------------
async def test_meeting_now_without_the_meetings_feature(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "handlers.meetings.api", None)
    assert await meeting.meeting_now(_services(CountingStore()), C1) is None


async def test_after_meeting_preparer_ignores_odd_rows() -> None:
    svc = _services(CountingStore())
    target = Target(Platform.SLACK, "channel", "C1")
    for data in ({}, {"meeting_id": "7"}, {"meeting_id": True}, {"meeting_id": None}):
        assert await meeting.prepare_after_meeting(Pending(target, meeting.AFTER_MEETING, data, NOW, None), svc) is None


async def test_decisions_summary_wants_an_aware_time() -> None:
    with pytest.raises(ValueError):
        await decisions_summary(_services(CountingStore()), C1, datetime(2026, 3, 1))  # noqa: DTZ001


async def test_the_prompts_log_line_is_written_once_the_reply_is_on_its_way(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The "scope prompt opened" line (what an operator tunes a channel's sensitivity from) keeps its fields
    and the request's context, but is not written on the reply's path: not before the reply is returned, and
    not before a task started while the reply is sent (aiohttp writes a request's body from a task of its
    own) has had its turn."""
    import asyncio
    import contextvars
    import logging

    monkeypatch.setitem(sys.modules, "handlers.meetings.api", None)
    request: contextvars.ContextVar[str] = contextvars.ContextVar("request", default="-")
    seen: list[str] = []
    order: list[str] = []

    class Requests(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            seen.append(request.get())
            order.append("log line")
            return True

    async def write_body() -> None:  # what the HTTP client's sending task does first
        order.append("reply's body written")

    caplog.set_level(logging.INFO, logger="steadybot.scope")
    caplog.handler.addFilter(Requests())
    request.set("req-1")
    reply = await watch_message(_chat("while we're at it, can we also add a CSV export to the release?"),
                                _services(CountingStore()))
    assert reply is not None
    assert not [r for r in caplog.records if "scope prompt" in r.getMessage()]  # not before the reply
    sending = asyncio.create_task(write_body())
    for _ in range(3):
        await asyncio.sleep(0)
    await sending
    assert order == ["reply's body written", "log line"]
    [line] = [r.getMessage() for r in caplog.records if "scope prompt" in r.getMessage()]
    assert line.startswith("scope prompt 42 opened in slack:") and "(score " in line and ", threshold " in line
    assert seen == ["req-1"]
