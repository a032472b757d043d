"""A row that reaches Slack for a channel archived a moment before (queued while the archive was being
committed, or the archive event never came) is parked, not failed: Slack answers `is_archived`, the worker
parks the row as the rows queued for an archived channel are parked (status `skipped`, reason PARKED, the
same un-parking and the same cancel) and records the place inactive, so what is queued for it next is parked
at once and the unarchive brings back what is still ahead (docs/operations.md, "Archived and deleted
channels"). A person's row refused the same way still fails. On SQLite and PostgreSQL, through the real Slack
sender at the fake Slack Web API, which refuses a post to an archived channel as Slack does: HTTP 200 with
`{"ok": false, "error": "is_archived"}`."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bot.outbox.errors import ChannelArchived, PermanentError
from bot.outbox.ratelimit import RateLimiter
from bot.outbox.worker import OutboxWorker
from bot.slack.errors import classify as slack_classify
from bot.slack.sender import SlackSender
from bot.teams.errors import classify as teams_classify
from handlers.core.clock import FakeClock
from handlers.core.dispatch import Core
from handlers.core.registry import Registry
from handlers.core.services import CoreSettings, Services
from handlers.core.types import OutboxItem, Person, Place, Platform, Reply, Target
from storage.models.core import OutboxRow, PlaceState
from storage.repos.places import PARKED
from storage.store import Store
from support.slack_api import FakeSlackApi

CHANNEL = Place(Platform.SLACK, "C1", "T1")
SECRET_TEXT = "the team's results: 4.2 of 5"  # never in a log line


class Slack:
    """The fake Slack Web API with channels that can be archived: a post to one answers as Slack does."""

    def __init__(self, api: FakeSlackApi) -> None:
        self.api = api
        self.archived: set[str] = set()
        api.faults.append(self._refuse)

    def _refuse(self, method: str, params: dict[str, Any]) -> Any:
        if method == "chat.postMessage" and params.get("channel") in self.archived:
            return 200, {"ok": False, "error": "is_archived"}, {}
        return None

    def posts(self, row_id: int) -> list[dict[str, Any]]:
        """What was posted for an outbox row (found by its metadata), refused or not."""
        return [c.params for c in self.api.calls_to("chat.postMessage")
                if (c.params.get("metadata") or {}).get("event_payload", {}).get("outbox_id") == str(row_id)]

    def delivered(self, channel: str) -> list[str]:
        """The texts Slack keeps in the channel (refused posts are not kept)."""
        return [m.get("text", "") for m in self.api.messages.get(channel, [])]


@pytest.fixture
async def slack() -> AsyncIterator[tuple[Slack, AsyncWebClient]]:
    api = await FakeSlackApi().start()
    api.add_user("U1", "Ana")
    async with aiohttp.ClientSession() as session:
        yield Slack(api), AsyncWebClient(token="xoxb-park-test", base_url=api.url, session=session, timeout=5)
    await api.close()


def _worker(store: Store, client: AsyncWebClient) -> OutboxWorker:
    clock = store.outbox.clock
    services = Services(CoreSettings(), clock, store, store.outbox, None, random.Random(1))  # type: ignore[arg-type]
    sender = SlackSender(client, store, RateLimiter(), per_channel_burst=10.0)
    return OutboxWorker(store, Core(Registry(), services), {Platform.SLACK: sender}, clock,
                        rng=random.Random(1), lease=timedelta(seconds=30))


async def _rows(store: Store) -> dict[str, tuple[int, str, str | None]]:
    async with store.db.session() as s:
        rows = (await s.execute(select(OutboxRow.dedupe_key, OutboxRow.id, OutboxRow.status,
                                       OutboxRow.last_error))).all()
    return {key or "": (row_id, status, error) for key, row_id, status, error in rows}


async def _place_states(store: Store) -> int:
    async with store.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(PlaceState)) or 0)


async def test_a_channel_post_refused_as_archived_is_parked_not_failed(
        store: Store, slack: tuple[Slack, AsyncWebClient], caplog: pytest.LogCaptureFixture) -> None:
    fake, client = slack
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    now = clock.now()
    # queued while the archive was being committed: both went in pending
    await store.outbox.enqueue([
        OutboxItem(Target.channel(CHANNEL), now, reply=Reply(SECRET_TEXT), dedupe_key="pulse:9:results"),
        OutboxItem(Target.channel(CHANNEL), now + timedelta(hours=2), reply=Reply("nudge"),
                   dedupe_key="meeting:7:nudge"),
    ])
    fake.archived.add("C1")
    worker = _worker(store, client)
    clock.advance(seconds=0.4)
    with caplog.at_level(logging.INFO, logger="steadybot"):
        assert await worker.tick() == 1
    rows = await _rows(store)
    results_id = rows["pulse:9:results"][0]
    assert rows["pulse:9:results"][1:] == ("skipped", PARKED), rows
    assert await store.outbox.failed() == []
    assert worker.stats["failed"] == 0 and worker.stats["skipped"] == 1
    assert len(fake.posts(results_id)) == 1 and fake.delivered("C1") == []
    # the place is recorded inactive: the other row still waiting for it is parked with it ...
    assert not await store.places.is_active(CHANNEL)
    assert rows["meeting:7:nudge"][1:] == ("skipped", PARKED), rows
    # ... and a row queued for it from now on goes in parked
    await store.outbox.enqueue([OutboxItem(Target.channel(CHANNEL), clock.now() + timedelta(hours=1),
                                           reply=Reply("later"), dedupe_key="later")])
    assert (await _rows(store))["later"][1:] == ("skipped", PARKED)
    # one INFO line for the row, with its id and kind, never its text
    lines = [r for r in caplog.records if r.name == "steadybot.outbox" and "parked" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO, [r.getMessage() for r in caplog.records]
    assert str(results_id) in lines[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("steadybot")]
    assert SECRET_TEXT not in caplog.text


async def test_the_unarchive_brings_back_what_is_still_ahead_and_nothing_is_sent_twice(
        store: Store, slack: tuple[Slack, AsyncWebClient]) -> None:
    """The rows come back by the rule every parked row follows: those whose time is still ahead. The row
    the worker parked was due when it was sent, so its time has passed, as a row due then and queued after
    the archive; it is never sent. The nudge comes back and goes out once."""
    fake, client = slack
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    now = clock.now()
    await store.outbox.enqueue([
        OutboxItem(Target.channel(CHANNEL), now, reply=Reply("results"), dedupe_key="results"),
        OutboxItem(Target.channel(Place(Platform.SLACK, "C1", "T1", "171.2")), now + timedelta(hours=2),
                   reply=Reply("nudge"), dedupe_key="nudge"),
    ])
    fake.archived.add("C1")
    worker = _worker(store, client)
    await worker.tick()
    assert {k: v[1] for k, v in (await _rows(store)).items()} == {"results": "skipped", "nudge": "skipped"}

    clock.advance(minutes=30)
    fake.archived.discard("C1")
    changed = await store.places.set_active(CHANNEL, True, "unarchived", clock.now())
    assert changed.applied and changed.outbox_rows == 1
    rows = await _rows(store)
    assert rows["nudge"][1:] == ("pending", None) and rows["results"][1:] == ("skipped", PARKED), rows
    for _ in range(3):  # past the nudge's time, and past any lease: each row is claimed at most as it should be
        clock.advance(hours=1)
        await worker.tick()
    rows = await _rows(store)
    assert rows["nudge"][1] == "sent" and rows["results"][1:] == ("skipped", PARKED), rows
    assert fake.delivered("C1") == ["nudge"]
    assert len(fake.posts(rows["nudge"][0])) == 1 and len(fake.posts(rows["results"][0])) == 1


async def test_an_unarchive_in_the_second_of_the_refused_send_still_wins(
        store: Store, slack: tuple[Slack, AsyncWebClient]) -> None:
    """Slack's event times are whole seconds: the place is recorded as archived just before the send began, so an
    unarchive that followed Slack's answer is newer, whichever of the two reaches the store first."""
    fake, client = slack
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.outbox.enqueue([OutboxItem(Target.channel(CHANNEL), clock.now(), reply=Reply("a"), dedupe_key="a")])
    fake.archived.add("C1")
    clock.advance(seconds=0.7)
    sent_at = clock.now()
    await _worker(store, client).tick()
    assert not await store.places.is_active(CHANNEL)
    unarchived = await store.places.set_active(CHANNEL, True, "unarchived", sent_at.replace(microsecond=0))
    assert unarchived.applied and await store.places.is_active(CHANNEL)

    # the unarchive reached the store first: the worker's record changes nothing
    await store.outbox.enqueue([OutboxItem(Target.channel(CHANNEL), clock.now(), reply=Reply("b"), dedupe_key="b")])
    clock.advance(seconds=0.3)
    await store.places.set_active(CHANNEL, False, "archived", clock.now() - timedelta(seconds=5))
    await store.places.set_active(CHANNEL, True, "unarchived", clock.now().replace(microsecond=0))
    await _worker(store, client).tick()
    assert (await _rows(store))["b"][1:] == ("skipped", PARKED)
    assert await store.places.is_active(CHANNEL)


async def test_a_direct_message_refused_as_archived_still_fails(
        store: Store, slack: tuple[Slack, AsyncWebClient]) -> None:
    fake, client = slack
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    person = Target.user(Person(Platform.SLACK, "U1"), "T1")
    await store.outbox.enqueue([OutboxItem(person, clock.now(), reply=Reply("your DM"), dedupe_key="dm")])
    fake.archived.add("U1")
    worker = _worker(store, client)
    await worker.tick()
    failed = await store.outbox.failed()
    assert [f.last_error for f in failed] == ["slack is_archived"]
    assert (await _rows(store))["dm"][1] == "failed" and worker.stats["failed"] == 1
    assert await _place_states(store) == 0  # a person is not a place


async def test_a_row_parked_by_the_worker_is_cancelled_with_its_prefix(
        store: Store, slack: tuple[Slack, AsyncWebClient]) -> None:
    fake, client = slack
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.outbox.enqueue([OutboxItem(Target.channel(CHANNEL), clock.now(), reply=Reply("nudge"),
                                           dedupe_key="meeting:7:nudge")])
    fake.archived.add("C1")
    await _worker(store, client).tick()
    assert (await _rows(store))["meeting:7:nudge"][1:] == ("skipped", PARKED)
    assert await store.outbox.cancel("meeting:7:") == 1
    assert (await _rows(store))["meeting:7:nudge"][1:] == ("cancelled", "cancelled")
    await store.places.set_active(CHANNEL, True, "unarchived", clock.now() + timedelta(minutes=1))
    assert (await _rows(store))["meeting:7:nudge"][1:] == ("cancelled", "cancelled")


async def test_only_the_worker_holding_the_row_parks_it_and_a_parked_row_is_never_claimed(store: Store) -> None:
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.outbox.enqueue([OutboxItem(Target.channel(CHANNEL), clock.now(), reply=Reply("x"), dedupe_key="x")])
    [stale] = await store.outbox.claim("w1", 10, timedelta(seconds=30))
    clock.advance(seconds=31)
    [current] = await store.outbox.claim("w2", 10, timedelta(seconds=30))
    assert not await store.outbox.park(stale)  # w1's lease ran out: w2's row is left alone
    assert (await _rows(store))["x"][1] == "sending"
    assert await store.outbox.park(current)
    assert (await _rows(store))["x"][1:] == ("skipped", PARKED)
    assert not await store.outbox.mark_sent(current.id, {"late": True}, worker="w2")  # no longer w2's to resolve
    clock.advance(minutes=5)
    assert await store.outbox.claim("w3", 10) == []


def test_is_archived_reads_as_archived_on_slack_only() -> None:
    """Slack's `is_archived` is a permanent refusal that says why (what is not a channel's row still fails on it);
    no Teams status says "archived" (a 404 is any conversation the connector does not know)."""
    refused = SlackApiError("is_archived", {"ok": False, "error": "is_archived"})
    read = slack_classify(refused, "slack:post:C1")
    assert isinstance(read, ChannelArchived) and isinstance(read, PermanentError) and not read.maybe_delivered
    gone = SlackApiError("channel_not_found", {"ok": False, "error": "channel_not_found"})
    assert type(slack_classify(gone, "slack:post:C1")) is PermanentError

    class NotFound(Exception):
        class response:  # noqa: N801 - the shape msrest's errors carry
            status_code = 404
            headers: dict[str, str] = {}

    assert type(teams_classify(NotFound(), "teams:conv:channel:19:x")) is PermanentError


async def test_a_refusal_to_one_workspace_parks_only_its_own_rows(store: Store, slack: Any) -> None:
    """A Slack Connect channel: workspace A's send is refused with `is_archived` (A left or archived its side);
    workspace B — another customer with the same channel id — archived nothing and gets no unarchive event, so
    A's refusal must not park B's rows or record B's place (found by a review: it did, for good)."""
    fake, client = slack
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    a, b = Place(Platform.SLACK, "C1", "TA"), Place(Platform.SLACK, "C1", "TB")
    await store.conversations.remember(b, {"channel": "C1"})  # workspace B has the channel too
    now = clock.now()
    await store.outbox.enqueue([
        OutboxItem(Target.channel(a), now, reply=Reply("A's results"), dedupe_key="a"),
        OutboxItem(Target.channel(b), now + timedelta(hours=2), reply=Reply("B's nudge"), dedupe_key="b"),
    ])
    fake.archived.add("C1")  # archived as workspace A sees it
    await _worker(store, client).tick()
    rows = await _rows(store)
    assert rows["a"][1:] == ("skipped", PARKED)
    assert rows["b"][1:] == ("pending", None), f"B's row parked by A's refusal: {rows['b']}"
    assert await store.places.is_active(b), "B's place recorded inactive by A's refusal"
    assert not await store.places.is_active(a)
