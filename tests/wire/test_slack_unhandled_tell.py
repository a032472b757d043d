"""Where a press whose workspace could not be read during a database outage is told "try again"
(bot/slack/listeners/unhandled.py): its response_url, never anything else. The outage itself, end to end:
tests/reliability/test_reliability_dbdown.py (OAuth mode, a workspace this process never read)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.listeners.unhandled import first_input, response_url_of


@pytest.mark.parametrize(("body", "url"), [
    ({"response_url": "https://hooks.slack.com/actions/T1/1/abc"}, "https://hooks.slack.com/actions/T1/1/abc"),
    ({"response_url": "http://127.0.0.1:5/response/r1"}, "http://127.0.0.1:5/response/r1"),  # the local fake
    ({}, ""),  # a modal's submission, a global shortcut
    ({"response_url": ""}, ""),
    ({"response_url": None}, ""),
    ({"response_url": ["https://x"]}, ""),
    ({"response_url": 7}, ""),
    ({"response_url": "file:///etc/passwd"}, ""),
    ({"response_url": "javascript:alert(1)"}, ""),
    ({"response_urls": [{"response_url": "https://hooks.slack.com/x"}]}, ""),  # a modal's, not a press's
])
def test_only_a_press_s_own_web_address_is_told(body: dict[str, Any], url: str) -> None:
    assert response_url_of(body) == url


@pytest.mark.parametrize(("view", "block"), [
    ({"blocks": [{"type": "section", "block_id": "s"}, {"type": "input", "block_id": "q1"}],
      "state": {"values": {"q2": {}}}}, "q1"),
    ({"blocks": [{"type": "input"}, {"type": "input", "block_id": ""}], "state": {"values": {"q2": {}}}}, ""),
    # a section's select menu is in state.values too, but it is no input (found by review)
    ({"blocks": [{"type": "section", "block_id": "pick", "accessory": {"type": "static_select", "action_id": "s"}}],
      "state": {"values": {"pick": {"s": {"type": "static_select", "selected_option": None}}}}}, ""),
    ({"state": {"values": {"answer": {}}}}, "answer"),
    ({"blocks": "x", "state": {"values": []}}, ""),
    ({"blocks": [{"type": "input", "block_id": "b" * 256}], "state": {"values": {7: {}}}}, ""),
    ({}, ""),
    ("not a view", ""),
])
def test_an_outage_s_words_hang_under_a_modal_s_first_input(view: Any, block: str) -> None:
    assert first_input({"type": "view_submission", "view": view}) == block
