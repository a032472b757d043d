"""The pulse's periodic work (every minute, on every replica — each step is idempotent):

1. create the round of each schedule's next occurrence shortly before it is due anywhere (unique key per
   schedule and occurrence, and a compare-and-set on the schedule, so replicas create it exactly once);
2. invite rounds whose invitations are not done yet (participation rows and outbox keys are unique);
3. seal rounds that have closed (once, claimed by a conditional update);
4. queue the weekly reflection DMs (one outbox key per person and week).
"""

from __future__ import annotations

from datetime import timedelta

from handlers.core.errors import StorageUnavailable
from handlers.core.services import Services
from handlers.pulse.common import log, pulse_store
from handlers.pulse.model import Round
from handlers.pulse.ports import PulseStore
from handlers.pulse.reflection import queue_reflections
from handlers.pulse.sending import invite
from handlers.pulse.timing import MIN_UTC_OFFSET, create_at, is_stale

MAX_STEPS = 60  # occurrences one schedule may skip per run after a long outage
GIVE_UP_NOW = timedelta(hours=1)  # a `/pulse now` round whose members can't be listed
MAX_INVITE_PAGES = 50  # pages of rounds (100 each) one run invites at most; the rest waits for the next run


def round_key(schedule_id: int, occurrence_text: str) -> str:
    return f"schedule:{schedule_id}:{occurrence_text}"


async def create_due_rounds(svc: Services, store: PulseStore) -> None:
    now = svc.clock.now()
    for schedule in await store.active_schedules():
        occurrence = schedule.next_occurrence
        window = timedelta(hours=schedule.window_hours)
        for _ in range(MAX_STEPS):
            if now < create_at(occurrence):
                break
            following = schedule.recurrence.next_after(occurrence)
            if not is_stale(occurrence, window, now):
                await store.create_round(round_key(schedule.id, f"{occurrence:%Y-%m-%dT%H:%M}"), schedule.place(),
                                         schedule.window_hours, schedule_id=schedule.id, occurrence=occurrence)
            if not await store.advance_schedule(schedule.id, occurrence, following):
                break  # another replica moved it on
            occurrence = following


def _gave_up(rnd: Round, svc: Services) -> bool:
    now = svc.clock.now()
    if rnd.occurrence is None:
        return now >= rnd.opened_at + GIVE_UP_NOW
    return now >= rnd.occurrence.replace(tzinfo=now.tzinfo) - MIN_UTC_OFFSET


async def invite_pending(svc: Services, store: PulseStore) -> None:
    """Invite every round still waiting for its invitations, page after page (a page is 100 rounds), in one
    run: 500 schedules firing in the same minute are all invited in that minute, not 100 a minute
    (tests/reliability/test_scale_schedules.py). Each replica goes through a page in its own random order and skips a
    round another replica has invited meanwhile, so replicas running at once share the work instead of
    both doing all of it. A round that failed is tried again next run, not in this one."""
    tried: set[int] = set()
    for _ in range(MAX_INVITE_PAGES):
        page = [rnd for rnd in await store.rounds_to_invite() if rnd.id not in tried]
        if not page:
            return
        svc.rng.shuffle(page)
        for i, rnd in enumerate(page):
            tried.add(rnd.id)
            if i:  # the page is a moment old: another replica may have invited this round since
                current = await store.round(rnd.id)
                if current is None or current.invited is not None:
                    continue
            try:
                await invite(rnd, svc, store)
            except StorageUnavailable:
                raise
            except Exception as exc:  # the platform would not list the members: try again next minute, for a while
                log.warning("pulse round %s: could not invite the channel: %s", rnd.id, type(exc).__name__)
                if _gave_up(rnd, svc):
                    await store.finish_invitations(rnd.id, None, svc.clock.now())


async def seal_closed(store: PulseStore) -> None:
    for round_id in await store.rounds_to_seal():
        await store.seal(round_id)


async def run(svc: Services) -> None:
    store = pulse_store(svc)
    await create_due_rounds(svc, store)
    await invite_pending(svc, store)
    await seal_closed(store)
    await queue_reflections(svc)
