"""Block Kit limits met without garbling the text (bot/slack/render.py).

A section's text holds at most 3000 characters (https://api.slack.com/reference/block-kit/blocks#section):
longer text is split into several sections, and the reader must still read it in order. Escaping (&, <, >
become `&amp;`, `&lt;`, `&gt;`) makes a line up to five times longer than what was typed, so a line that
was short enough before escaping may not be after it.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.slack import render
from handlers.core.types import Reply


def _shown(blocks: list[dict[str, object]]) -> str:
    """The sections' texts, one after another, as Slack shows them (a section per paragraph)."""
    return "\n".join(str(b["text"]["text"]) for b in blocks if b.get("type") == "section")  # type: ignore[index]


def test_a_line_longer_than_a_section_stays_after_the_lines_before_it() -> None:
    text = "**Pre-read answers**\n" + "x" * 3500 + "\nend"
    blocks = render.message_blocks(Reply(text=text))
    assert all(len(b["text"]["text"]) <= render.SECTION_LIMIT for b in blocks)
    assert _shown(blocks).startswith("*Pre-read answers*\nxxx")
    assert _shown(blocks).replace("\n", "") == render.mrkdwn(text).replace("\n", "")


def test_a_line_escaping_makes_too_long_stays_in_its_place() -> None:
    """700 ampersands are 3500 characters once escaped: the heading before them must still come first."""
    text = "Answers:\n" + "&" * 700 + "\nthe last line"
    shown = _shown(render.message_blocks(Reply(text=text)))
    assert shown.index("Answers:") < shown.index("&amp;") < shown.index("the last line")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab&<> ", min_size=0, max_size=4000), min_size=1, max_size=5))
@example(["heading", "a" * 3100])
@example(["heading", "&" * 1300, "", "b"])
def test_sections_hold_the_text_in_order_and_within_the_limit(lines: list[str]) -> None:
    text = "\n".join(lines)
    chunks = render._chunks(render.mrkdwn(text))
    assert all(0 < len(c) <= render.SECTION_LIMIT for c in chunks)
    assert "".join(chunks).replace("\n", "") == render.mrkdwn(text).replace("\n", "")
    for chunk in chunks:  # no entity cut in half at either end of a section
        assert not chunk.startswith(("amp;", "lt;", "gt;", "mp;", "t;", ";"))


def test_the_notification_text_is_not_cut_inside_an_entity() -> None:
    """The fallback `text` (what a push notification shows) is cut to 3000 characters like a section: cut
    whole entities, never leave `&am…` for the person to read."""
    fallback = render.fallback(Reply(text="x" * 2997 + "& more"))
    assert len(fallback) <= 3000
    assert fallback.endswith("x…"), fallback[-12:]
