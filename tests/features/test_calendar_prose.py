"""A calendar description written as prose is an agenda; invitation boilerplate (Teams, Zoom, Google Meet) is
not. The invitation texts are real ones from public sources (tests/data/calendars/invitations/PROVENANCE.md)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from handlers.meetings.calendar_parse import ITEM_LIMIT, MAX_ITEMS, Item, agenda_items, read_calendar

INVITATIONS = Path(__file__).resolve().parents[1] / "data" / "calendars" / "invitations"
PROSE = "We'll review the Q3 numbers and decide whether to open the second hiring slot."
BOILERPLATE_WORDS = ("zoom", "teams", "meet.google", "meeting id", "passcode", "pin", "dial", "join", "edit this",
                     "+1", "minneapolis", "csatlakozás", "szakaszt", "houston")


def description(path: Path) -> str:
    if path.suffix == ".ics":
        [event] = read_calendar(path.read_bytes()).walk("VEVENT")
        return str(event["DESCRIPTION"])
    return path.read_text(encoding="utf-8")


REAL = sorted(p for p in INVITATIONS.iterdir() if p.suffix in (".ics", ".txt", ".html"))
HTML = {p.name for p in REAL if p.suffix == ".html"}


def test_the_fixtures_are_all_there() -> None:
    assert len(REAL) >= 8
    listed = (INVITATIONS / "PROVENANCE.md").read_text(encoding="utf-8")
    assert all(f"`{p.name}`" in listed for p in REAL)  # every real payload says where it came from


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_a_real_invitation_alone_is_no_agenda(path: Path) -> None:
    assert agenda_items(description(path)) == ()


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_prose_above_a_real_invitation_is_the_agenda_and_nothing_of_the_invitation(path: Path) -> None:
    text = description(path)
    joined = f"<p>{PROSE}</p>" + text if path.name in HTML else f"{PROSE}\n\n{text}"
    items = agenda_items(joined)
    assert items == (Item(PROSE, None),)
    assert not any(word in items[0].text.lower() for word in BOILERPLATE_WORDS if word not in PROSE.lower())


@pytest.mark.parametrize("path", [p for p in REAL if "teams" not in p.name], ids=lambda p: p.name)
def test_prose_below_a_zoom_or_meet_invitation_counts_too(path: Path) -> None:
    text = description(path)
    joined = text + f"<br><br>{PROSE}" if path.name in HTML else f"{text}\n\n{PROSE}"
    assert agenda_items(joined) == (Item(PROSE, None),)


def test_each_prose_line_is_an_item_with_its_minutes_cut_and_capped() -> None:
    text = "Hi all,\n\nWe'll go through the launch checklist (20m)\nThen decide who owns the rollback plan.\nThanks!"
    assert agenda_items(text) == (Item("We'll go through the launch checklist", 20),
                                  Item("Then decide who owns the rollback plan.", None))
    long = "Review " + "the numbers and the plan " * 40
    [item] = agenda_items(long)
    assert len(item.text) == ITEM_LIMIT and item.text.endswith("…")
    many = "\n".join(f"Decide on proposal number {n} today" for n in range(60))
    assert len(agenda_items(many)) == MAX_ITEMS


@pytest.mark.parametrize("text", [
    "Hi all", "Thanks", "Hi team, joining link below. See you there!", "Agenda:", "Agenda to follow.",
    "Looking forward to it!", "Retro doc:\nhttps://docs.example.com/retro", "https://zoom.us/j/123",
    "Sprint review", "+1 646 558 8656 US (New York)", "Download Teams | Join on the web",
])
def test_greetings_labels_links_and_numbers_are_not_an_agenda(text: str) -> None:
    assert agenda_items(text) == ()


def test_bullets_win_over_prose_exactly_as_before() -> None:
    text = f"{PROSE}\n- Demo of the login (10m)\n* Decide the rollout date\n" + description(
        INVITATIONS / "zoom_compass.txt")
    assert agenda_items(text) == (Item("Demo of the login", 10), Item("Decide the rollout date", None))


def test_html_prose_is_read_as_lines() -> None:
    html = ("<div>We&#39;ll review the Q3 numbers&nbsp;and decide on hiring.</div><div><br></div>"
            "<div>Bring <b>your</b> pipeline estimates for next quarter.</div>")
    assert [i.text for i in agenda_items(html)] == ["We'll review the Q3 numbers and decide on hiring.",
                                                   "Bring your pipeline estimates for next quarter."]


@pytest.mark.parametrize("text", ["", "   \n\t\n  ", "\u200b\u200b\n\u202e\u202c", "🎉🎉🎉 🚀 🙌\n🔥🔥", "\x00\x01\x02",
                                  "________________\n-----\n═════", "Pass\u200bcode: 123456\nMeeting\u00a0ID: 1 2 3"])
def test_empty_controls_emoji_and_rules_are_no_agenda(text: str) -> None:
    assert agenda_items(text) == ()


def test_controls_inside_prose_are_cleaned() -> None:
    assert agenda_items("\u202eWe'll\u200b review the Q3 numbers\u202c\x07 together") == (
        Item("We'll review the Q3 numbers together", None),)


def test_a_huge_description_is_read_quickly_and_only_in_part() -> None:
    huge = (description(INVITATIONS / "zoom_compass.txt") + "\n") * 2000 + PROSE  # ~1.5 MB, prose past the cap
    started = time.perf_counter()
    assert agenda_items(huge) == ()
    one_line = "word " * 400_000
    assert len(agenda_items(one_line)[0].text) == ITEM_LIMIT
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(("text", "expected"), [
    ("Discuss the Q3 budget, doc https://docs.example.com/d/abc?pwd=SECRET and mail ana@example.com or call "
     "+1 646 558 8656", "Discuss the Q3 budget, doc and mail or call"),
    ("Ping Ana (ana.lopez@example.co.uk, 030 1234567) or Ben at (646) 558-8656 about the rollout plan.",
     "Ping Ana or Ben at about the rollout plan."),
    ("Check the deck at <https://x.example.com/a?token=SECRET>, then decide the launch date (15m)",
     "Check the deck at, then decide the launch date"),
    ("Questions to mailto:ana@example.com or sip:ben@example.com before we decide the budget.",
     "Questions to or before we decide the budget."),
    ("Call 646-558-8656 or 0049 30 1234567 or 6465588656 about the Q3 numbers, thanks",
     "Call or or about the Q3 numbers, thanks"),
])
def test_links_addresses_and_phone_numbers_inside_prose_are_dropped(text: str, expected: str) -> None:
    """The items are posted to the channel: a passcode in a link, an e-mail address or a phone number in the
    organiser's prose must not be."""
    [item] = agenda_items(text)
    assert item.text == expected
    for secret in ("SECRET", "@", "example", "http", "mailto", "sip:", "646", "558", "8656", "1234567"):
        assert secret not in item.text


def test_dates_amounts_and_minutes_in_prose_are_kept() -> None:
    text = "We review the 2026-2027 plan on 12.03.2026, budget 1,000,000 EUR (see www.example.org/plan) (20m)"
    assert agenda_items(text) == (Item("We review the 2026-2027 plan on 12.03.2026, budget 1,000,000 EUR (see)", 20),)
