"""Validation helpers: Adaptive Cards against the official schema; Block Kit through slack_sdk models."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import adaptive_cards
import jsonschema
from slack_sdk.models.blocks import Block

from bot.teams.render import CARD_VERSION


@cache
def _validator() -> jsonschema.Draft6Validator:
    path = Path(adaptive_cards.__file__).parent / "schemas" / f"schema-{CARD_VERSION}.json"
    return jsonschema.Draft6Validator(json.loads(path.read_text()))


def assert_valid_card(card: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(card), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def assert_valid_blocks(blocks: list[dict[str, Any]]) -> None:
    """Round-trip through slack_sdk's models, which validate lengths and shapes when serialised."""
    assert 0 < len(blocks) <= 50
    for data in blocks:
        block = Block.parse(data)
        assert block is not None, data
        assert block.to_dict() == data
