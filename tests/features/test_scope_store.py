"""The scope repository on SQLite and PostgreSQL: one prompt per thread across replicas, first decision
wins, rollback when a chosen commitment went away, bounded learning, the record."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from handlers.core.clock import FakeClock
from handlers.core.types import Place, Platform
from handlers.scope.ports import (
    COMMITMENT,
    PARKED,
    ChannelLearning,
    Decision,
    ItemStatus,
    Learning,
    Outcome,
    Source,
    Watching,
)
from storage.store import Store
from tests.support.replicas import two_stores

C1 = Place(Platform.SLACK, "C1", "T1")
C2 = Place(Platform.SLACK, "C2", "T1")
TEAMS = Place(Platform.TEAMS, "19:abc@thread.tacv2", "team")
LEARN = Learning(step=0.25, cap=1.0, relax=0.1)


@pytest.fixture
async def stores(db_url: str) -> AsyncIterator[tuple[Store, Store]]:
    """Two stores on one database, each with its own engine: two replicas."""
    async with two_stores(db_url, FakeClock()) as pair:
        yield pair


async def test_one_prompt_per_thread_across_replicas(stores: tuple[Store, Store]) -> None:
    a, b = stores
    results = await asyncio.gather(*(
        (a if n % 2 else b).scope.claim_thread(C1, "1.0001", "can we also add X?", "can we also add X?", 3.5)
        for n in range(8)
    ))
    claimed = [r for r in results if r is not None]
    assert len(claimed) == 1
    prompt = claimed[0]
    assert prompt.place.thread_id == "1.0001" and prompt.source == "watch" and prompt.is_open
    assert await b.scope.prompt(prompt.id) == prompt  # what the claim returns is what was stored
    # the same thread root in another channel or on another platform is another thread
    assert await a.scope.claim_thread(C2, "1.0001", "x", "x", 3.0) is not None
    assert await a.scope.claim_thread(TEAMS, "1.0001", "x", "x", 3.0) is not None
    # prompts opened on purpose are never limited
    first = await a.scope.open_prompt(C1, "add SSO", "add SSO")
    second = await b.scope.open_prompt(C1, "add SSO", "add SSO")
    assert first.id != second.id and first.source == "command"


async def test_first_decision_wins(stores: tuple[Store, Store]) -> None:
    a, b = stores
    prompt = await a.scope.claim_thread(C1, "2.0001", "request", "the quote", 3.0)
    assert prompt is not None
    results = await asyncio.gather(
        a.scope.decide(prompt.id, C1, Decision(Outcome.PARK, added="the quote"), LEARN),
        b.scope.decide(prompt.id, C1, Decision(Outcome.DISMISS), LEARN),
        a.scope.decide(prompt.id, C1, Decision(Outcome.EXTEND, added="the quote", extension="+1 week"), LEARN),
    )
    statuses = sorted(r.status for r in results)
    assert statuses == ["already", "already", "decided"]
    winner = next(r for r in results if r.status == "decided").prompt
    assert winner is not None
    for r in results:
        assert r.prompt is not None and r.prompt.outcome == winner.outcome
    parked = await a.scope.items(C1, PARKED)
    commitments = await a.scope.items(C1, COMMITMENT)
    assert len(parked) + len(commitments) == (0 if winner.outcome == "dismiss" else 1)
    # a prompt of another channel, or one that does not exist
    assert (await a.scope.decide(prompt.id, C2, Decision(Outcome.PARK), LEARN)).status == "missing"
    assert (await a.scope.decide(10**15, C1, Decision(Outcome.PARK), LEARN)).status == "missing"


async def test_drop_moves_the_lists_or_rolls_back(stores: tuple[Store, Store]) -> None:
    store, _ = stores
    search = await store.scope.add_item(C1, COMMITMENT, "Search page", 50)
    dark = await store.scope.add_item(C1, COMMITMENT, "Dark mode", 50)
    assert search is not None and dark is not None
    prompt = await store.scope.open_prompt(C1, "add a CSV export", "add a CSV export")
    # the chosen commitment was finished meanwhile: nothing of the decision stays
    assert await store.scope.close_item(C1, COMMITMENT, search.id, ItemStatus.DONE) is not None
    gone = await store.scope.decide(prompt.id, C1, Decision(Outcome.DROP, added="CSV export", drop_item_id=search.id), LEARN)
    assert gone.status == "item_gone" and gone.prompt is not None and gone.prompt.is_open
    assert [i.text for i in await store.scope.items(C1, COMMITMENT)] == ["Dark mode"]
    # a commitment of another channel cannot be dropped from here
    other = await store.scope.add_item(C2, COMMITMENT, "Other team's work", 50)
    assert other is not None
    assert (await store.scope.decide(prompt.id, C1, Decision(Outcome.DROP, drop_item_id=other.id), LEARN)).status == "item_gone"
    done = await store.scope.decide(prompt.id, C1, Decision(Outcome.DROP, added="CSV export", drop_item_id=dark.id), LEARN)
    assert done.status == "decided" and done.dropped is not None and done.dropped.text == "Dark mode"
    assert done.prompt is not None and (done.prompt.added, done.prompt.dropped) == ("CSV export", "Dark mode")
    assert [i.text for i in await store.scope.items(C1, COMMITMENT)] == ["CSV export"]
    # typed text names a listed commitment (any case): it leaves the list; other text is only recorded
    again = await store.scope.open_prompt(C1, "add webhooks", "add webhooks")
    typed = await store.scope.decide(again.id, C1, Decision(Outcome.DROP, added="Webhooks", dropped_text="csv EXPORT"), LEARN)
    assert typed.dropped is not None and [i.text for i in await store.scope.items(C1, COMMITMENT)] == ["Webhooks"]
    third = await store.scope.open_prompt(C1, "add SSO", "add SSO")
    loose = await store.scope.decide(third.id, C1, Decision(Outcome.DROP, added="SSO", dropped_text="the retro"), LEARN)
    assert loose.dropped is None and loose.prompt is not None and loose.prompt.dropped == "the retro"


async def test_learning_is_bounded_and_relaxes(stores: tuple[Store, Store]) -> None:
    store, _ = stores
    assert (await store.scope.learning(C1)).offset == 0.0
    for n in range(7):
        prompt = await store.scope.claim_thread(C1, f"3.{n}", "r", "q", 3.0)
        assert prompt is not None
        await store.scope.decide(prompt.id, C1, Decision(Outcome.DISMISS), LEARN)
    learned = await store.scope.learning(C1)
    assert learned.offset == pytest.approx(1.0) and learned.dismissals == 7
    assert (await store.scope.learning(C2)).offset == 0.0  # per channel
    # a confirmed prompt gives a little back
    prompt = await store.scope.claim_thread(C1, "3.99", "r", "q", 4.5)
    assert prompt is not None
    await store.scope.decide(prompt.id, C1, Decision(Outcome.PARK, added="q"), LEARN)
    assert (await store.scope.learning(C1)).offset == pytest.approx(0.9)
    # a dismissed /tradeoff prompt is not a false alarm and teaches nothing
    command = await store.scope.open_prompt(C1, "r", "q")
    await store.scope.decide(command.id, C1, Decision(Outcome.DISMISS), LEARN)
    assert (await store.scope.learning(C1)).dismissals == 7
    await store.scope.reset_learning(C1)
    assert (await store.scope.learning(C1)).offset == 0.0
    # never below zero
    prompt = await store.scope.claim_thread(C1, "3.100", "r", "q", 4.5)
    assert prompt is not None
    await store.scope.decide(prompt.id, C1, Decision(Outcome.EXTEND, added="q", extension="+1 day"), LEARN)
    assert (await store.scope.learning(C1)).offset == 0.0


async def test_a_prompt_asked_for_on_a_message_keeps_its_thread_but_teaches_nothing(
        stores: tuple[Store, Store]) -> None:
    store, other_replica = stores
    asked = await store.scope.claim_thread(C1, "7.1", "lunch?", "lunch?", 0.0, Source.REQUEST)
    assert asked is not None and asked.source == Source.REQUEST
    assert await other_replica.scope.prompt(asked.id) == asked  # stored as asked for, on either database
    assert await other_replica.scope.claim_thread(C1, "7.1", "r", "q", 3.0) is None  # one prompt per thread
    decided = await store.scope.decide(asked.id, C1, Decision(Outcome.DISMISS), LEARN)
    assert decided.status == "decided"
    assert await store.scope.learning(C1) == ChannelLearning()
    counts = await store.scope.counts(C1, asked.created_at - timedelta(days=1))
    assert (counts.prompts, counts.watch_prompts, counts.dismissed, counts.false_alarms) == (1, 0, 1, 0)
    # acting on it gives nothing back either: only the watch's own prompts tune the watch
    await store.scope.decide((await store.scope.claim_thread(C1, "7.2", "r", "q", 3.0)).id,  # type: ignore[union-attr]
                             C1, Decision(Outcome.DISMISS), LEARN)
    acted = await store.scope.claim_thread(C1, "7.3", "r", "q", 3.0, Source.REQUEST)
    assert acted is not None
    await store.scope.decide(acted.id, C1, Decision(Outcome.PARK, added="q"), LEARN)
    assert (await store.scope.learning(C1)).offset == pytest.approx(0.25)


async def test_a_prompt_asked_for_that_could_not_be_posted_gives_its_thread_back(
        stores: tuple[Store, Store]) -> None:
    """The Teams message action's card was refused (the bot not in the conversation): the claim is given back,
    so the same action on the same message opens a prompt later. Only an undecided prompt asked for is."""
    store, other_replica = stores
    asked = await store.scope.claim_thread(C1, "8.1", "r", "q", 0.0, Source.REQUEST)
    assert asked is not None
    assert await other_replica.scope.release_request(C1, "8.1")
    assert await store.scope.prompt(asked.id) is None
    assert await store.scope.claim_thread(C1, "8.1", "r", "q", 0.0, Source.REQUEST) is not None
    watched = await store.scope.claim_thread(C1, "8.2", "r", "q", 3.0)  # the watch's own prompt stays
    assert watched is not None and not await store.scope.release_request(C1, "8.2")
    decided = await store.scope.claim_thread(C1, "8.3", "r", "q", 0.0, Source.REQUEST)
    assert decided is not None
    await store.scope.decide(decided.id, C1, Decision(Outcome.DISMISS), LEARN)
    assert not await store.scope.release_request(C1, "8.3")  # a decision was recorded on it
    other_channel = Place(Platform.SLACK, "C2", "T1")
    assert not await store.scope.release_request(other_channel, "8.1")  # another channel's thread of that id


async def test_lists_and_counts(stores: tuple[Store, Store]) -> None:
    store, _ = stores
    clock: FakeClock = store.scope.clock  # type: ignore[assignment]
    for n in range(3):
        assert await store.scope.add_item(C1, PARKED, f"idea {n}", 3) is not None
    assert await store.scope.add_item(C1, PARKED, "one too many", 3) is None
    ideas = await store.scope.items(C1, PARKED)
    assert [i.text for i in ideas] == ["idea 0", "idea 1", "idea 2"]
    assert await store.scope.close_item(C1, PARKED, ideas[1].id, ItemStatus.UNPARKED) is not None
    assert await store.scope.close_item(C1, PARKED, ideas[1].id, ItemStatus.UNPARKED) is None  # only once
    assert await store.scope.close_item(C2, PARKED, ideas[0].id, ItemStatus.UNPARKED) is None  # not from another channel
    assert await store.scope.close_item(C1, COMMITMENT, ideas[0].id, ItemStatus.DONE) is None  # not from another list
    assert await store.scope.add_item(C1, PARKED, "x" * 1000, 10) is not None  # stored cut, never an error

    start = clock.now()
    outcomes = [Decision(Outcome.DROP, added="a", dropped_text="b"), Decision(Outcome.EXTEND, added="c", extension="+1 day"),
                Decision(Outcome.PARK, added="d"), Decision(Outcome.DISMISS)]
    for n, decision in enumerate(outcomes):
        prompt = await store.scope.claim_thread(C1, f"4.{n}", "r", "q", 3.0)
        assert prompt is not None
        await store.scope.decide(prompt.id, C1, decision, LEARN)
    command = await store.scope.open_prompt(C1, "r", "q")
    await store.scope.decide(command.id, C1, Decision(Outcome.DISMISS), LEARN)
    await store.scope.open_prompt(C1, "still open", "still open")
    counts = await store.scope.counts(C1, start - timedelta(seconds=1))
    assert (counts.prompts, counts.watch_prompts, counts.open) == (6, 4, 1)
    assert (counts.added, counts.dropped, counts.extended, counts.parked) == (2, 1, 1, 1)
    assert (counts.dismissed, counts.false_alarms) == (2, 1)
    assert (await store.scope.counts(C2, start)).prompts == 0
    clock.advance(timedelta(days=2))
    assert (await store.scope.counts(C1, clock.now() - timedelta(days=1))).prompts == 0


async def test_parked_for_a_meeting(stores: tuple[Store, Store]) -> None:
    store, _ = stores
    prompt = await store.scope.claim_thread(C1, "5.0", "r", "dark mode", 3.0)
    assert prompt is not None
    await store.scope.decide(prompt.id, C1, Decision(Outcome.PARK, added="dark mode", meeting_id=7,
                                                     meeting_title="Sprint review"), LEARN)
    await store.scope.add_item(C1, PARKED, "unrelated", 10)
    parked = await store.scope.parked_for_meeting(C1, 7)
    assert [(i.text, i.meeting_title) for i in parked] == [("dark mode", "Sprint review")]
    assert await store.scope.parked_for_meeting(C1, 8) == []
    decided = await store.scope.prompt(prompt.id)
    assert decided is not None and decided.meeting_title == "Sprint review"


async def _watching(store: Store, place: Place) -> Watching | None:
    """The channel's watch as `claim_watched` hands it to the watcher's decision (which admits nothing here, so
    nothing is claimed); None when the decision was not asked (the watch is off)."""
    seen: list[Watching] = []

    def admit(watching: Watching) -> float | None:
        seen.append(watching)
        return None

    assert await store.scope.claim_watched(place, "probe", "r", "q", 1.0, admit, None) is None
    return seen[0] if seen else None


async def test_watching_reads_the_settings_and_the_learning_at_once(stores: tuple[Store, Store]) -> None:
    """The watcher's one read: defaults for a channel without rows, None when the watch is switched off, the
    sensitivity setting and the learned offset of this channel only (never another channel's or platform's)."""
    from handlers.core.ports import ChannelSettings
    from handlers.core.types import Person

    store, other_replica = stores
    assert await _watching(store, C1) == Watching("normal", ChannelLearning())
    prompt = await store.scope.claim_thread(C1, "5.1", "r", "q", 3.0)
    assert prompt is not None
    await store.scope.decide(prompt.id, C1, Decision(Outcome.DISMISS), LEARN)
    lead = Person(Platform.SLACK, "ULEAD")
    await store.settings.put(C1, ChannelSettings(scope_sensitivity="low"), lead)
    assert await _watching(other_replica, C1) == Watching("low", ChannelLearning(0.25, 1))
    assert await _watching(store, C2) == Watching("normal", ChannelLearning())
    assert await _watching(store, Place(Platform.TEAMS, "C1", "T1")) == Watching("normal", ChannelLearning())
    await store.settings.put(C1, ChannelSettings(scope_watch=False, scope_sensitivity="high"), lead)
    assert await _watching(store, C1) is None


async def test_the_watchers_claim_is_one_unit_with_the_settings_and_the_meeting(
        stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch) -> None:
    """`claim_watched`: the channel's watch, the watcher's decision on it, the thread's claim and the meeting in
    progress in one unit of work; nothing claimed when the watch is off or the decision says no; the claim
    stays the guard (a second replica's claim of the same thread gets nothing, and reads no meeting)."""
    from handlers.core.ports import ChannelSettings
    from handlers.core.types import Person
    from handlers.meetings.api import MeetingNow
    from handlers.meetings.ports import MeetingDraft

    store, other_replica = stores
    clock = store.scope.clock
    units: list[str] = []
    for replica in stores:
        driver = replica.scope.db.driver

        async def counted(work: object, *, small: bool = False, driver: object = driver) -> object:
            units.append(type(work).__name__)
            return await driver(work, small=small)  # type: ignore[operator]

        monkeypatch.setattr(replica.scope.db, "driver", counted)
    seen: list[Watching] = []

    def admit(watching: Watching) -> float | None:
        seen.append(watching)
        return None if watching.sensitivity == "low" else 2.5

    lead = Person(Platform.SLACK, "ULEAD")
    await store.settings.put(C1, ChannelSettings(scope_sensitivity="low"), lead)
    assert await store.scope.claim_watched(C1, "6.1", "r", "q", 3.0, admit, clock.now()) is None
    assert seen == [Watching("low", ChannelLearning())] and units == ["_WatchedClaim"]
    await store.settings.put(C1, ChannelSettings(scope_watch=False), lead)
    assert await store.scope.claim_watched(C1, "6.1", "r", "q", 3.0, admit, clock.now()) is None
    assert len(seen) == 1  # the watch is off: no decision to make
    await store.settings.put(C1, ChannelSettings(), lead)

    meeting = await store.meetings.create(MeetingDraft(
        platform=C1.platform, channel_id=C1.channel_id, team_id=C1.team_id, title="Sprint review",
        organiser_id="lea", organiser_name="Lea", tz="UTC", starts_at=clock.now() - timedelta(minutes=10),
        duration_minutes=45))
    units.clear()
    claimed = await store.scope.claim_watched(C1, "6.1", "the request", "the quote", 3.0, admit, clock.now())
    assert units == ["_WatchedClaim"]  # settings, claim and meeting: one unit
    assert claimed is not None and claimed.threshold == 2.5
    assert claimed.meeting == MeetingNow(meeting.id, "Sprint review", meeting.ends_at, False)
    prompt = claimed.prompt
    assert (prompt.request, prompt.quote, prompt.score, prompt.place.thread_id) == ("the request", "the quote", 3.0,
                                                                                   "6.1")
    assert await store.scope.prompt(prompt.id) == prompt
    # the claim is still the guard: the thread's second claim (a redelivery, another replica) gets nothing
    assert await other_replica.scope.claim_watched(C1, "6.1", "r", "q", 3.0, admit, clock.now()) is None
    assert await store.scope.claim_thread(C1, "6.1", "r", "q", 3.0) is None
    # a meeting with an agenda; and no meeting read when none is asked for
    await store.meetings.add_item(meeting.id, "Demo", 10, "lea", 50)
    claimed = await other_replica.scope.claim_watched(C1, "6.2", "r", "q", 3.0, admit, clock.now())
    assert claimed is not None and claimed.meeting is not None and claimed.meeting.has_agenda
    claimed = await store.scope.claim_watched(C1, "6.3", "r", "q", 3.0, admit, None)
    assert claimed is not None and claimed.meeting is None
