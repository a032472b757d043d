"""handlers/core/jsoncodec.py against the standard library, which it stands in for on the hot paths (every DM's
body and seals, the outbox's JSON columns): the same text for every value orjson takes, the standard library's
answer (or error) for every value orjson refuses, and what a JSON column holds afterwards on both databases."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from handlers.core.jsoncodec import dumps, dumps_bytes, loads
from handlers.core.types import OutboxItem, Platform, Reply, Target
from storage.forgetting import redact_mentions, stop_digests_to
from storage.models.core import ChannelSettingsRow, OutboxRow
from storage.store import Store


def _stdlib(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_text = st.text(st.characters(codec="utf-8"), max_size=40)  # no lone surrogates (below, on their own)
_scalars = st.none() | st.booleans() | st.integers(-(2**80), 2**80) | _text
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=5)
                       | st.dictionaries(_text, inner, max_size=5), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(_values)
def test_same_text_as_the_standard_library(value: Any) -> None:
    assert dumps(value) == _stdlib(value)
    assert dumps_bytes(value) == _stdlib(value).encode("utf-8")
    assert loads(dumps(value)) == value and loads(dumps_bytes(value)) == value


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_come_back_as_they_went(value: float) -> None:
    assert loads(dumps(value)) == value == json.loads(dumps(value))


@pytest.mark.parametrize("value", [
    "\x00\x01\x1f\x7f", "é€😀 ‮right-to-left", "\u2028\u2029", 'q"\\/', "\ufeff", "٣٤", {"k": ["\t\n\r"]},
    2**64, -(2**63) - 1, 2**100,  # past 64 bits: orjson refuses, the standard library writes them
    {1: "a", None: "b", False: "c", 2.5: "d"},  # keys that are not strings: as the standard library turns them
])
def test_what_orjson_refuses_reads_as_the_standard_library_writes_it(value: Any) -> None:
    assert dumps(value) == _stdlib(value)
    assert dumps_bytes(value) == _stdlib(value).encode("utf-8")


def test_a_lone_surrogate_is_escaped_so_the_text_is_valid_utf8() -> None:
    for value in ("\ud800", ["ok", "a\udfffb"], {"\ud83d": 1}):
        text = dumps(value)
        text.encode("utf-8")  # does not raise
        assert dumps_bytes(value) == text.encode("utf-8")
        assert loads(text) == json.loads(text) == value


@dataclass
class _Point:
    x: int


@pytest.mark.parametrize("value", [datetime(2026, 3, 2, tzinfo=UTC), _Point(1), {"at": datetime(2026, 1, 1)}, object()])
def test_what_the_standard_library_refuses_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        _stdlib(value)
    with pytest.raises(TypeError):
        dumps(value)
    with pytest.raises(TypeError):
        dumps_bytes(value)


@pytest.mark.parametrize("document", ["NaN", "[Infinity, -Infinity]", '{"a": NaN}'])
def test_documents_only_the_standard_library_reads(document: str) -> None:
    assert repr(loads(document)) == repr(json.loads(document))


@pytest.mark.parametrize("document", ["", " ", "{", "[1,]", "nope", b"\xff\xfe", b'{"a": "\xff"}', "{'a': 1}", "1 2"])
def test_not_json_is_a_value_error(document: str | bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(document)
    with pytest.raises(ValueError):
        loads(document)


def test_an_answer_with_a_huge_integer_is_read_exactly() -> None:
    answer = {"ok": True, "channel": "D1", "ts": "1700000000.000100", "n": 2**63 - 1,
              "message": {"text": "Zoë ‮", "blocks": [{"type": "section", "value": "٣" * 30}]}}
    assert loads(dumps_bytes(answer)) == answer
    assert loads(b"[18446744073709551616, 1234567890123456789]") == [2**64, 1234567890123456789]
    assert loads("[-123456789012345678901234567890]") == [-123456789012345678901234567890]
    assert loads('"12345678901234567890"') == "12345678901234567890"  # in a string: read either way, the same


def test_nesting_past_the_limit_is_refused_not_a_crash() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises((ValueError, RecursionError)):
        loads(deep)


async def test_json_columns_hold_unicode_as_written_and_a_forget_finds_the_id_either_way(store: Store) -> None:
    """The database's JSON columns go through the codec: non-ASCII text is stored as it is (JSONB's own form
    on PostgreSQL, now SQLite's too), where rows written before hold it escaped. Stopping the digests of a
    forgotten person finds their id in both."""
    people = {"C1": "Zoë-1", "C2": "Zoë-2"}
    async with store.db.session() as s:
        for channel, user in people.items():
            s.add(ChannelSettingsRow(platform="slack", channel_id=channel, extra={"digest_to": user, "digest_tz": "UTC"},
                                     updated_at=datetime(2026, 3, 2, tzinfo=UTC)))
    if not store.db.is_postgres:  # a row from before the codec: the standard library's escaped text
        async with store.db.session() as s:
            conn = await s.connection()
            await conn.exec_driver_sql("UPDATE channel_settings SET extra = ? WHERE channel_id = 'C2'",
                                       (json.dumps({"digest_to": "Zoë-2"}),))
            rows: list[Any] = list((await conn.exec_driver_sql("SELECT channel_id, extra FROM channel_settings")).all())
        raw = {str(row[0]): str(row[1]) for row in rows}
        assert "Zoë-1" in raw["C1"] and "Zo\\u00eb-2" in raw["C2"]
    for channel, user in people.items():
        async with store.db.session() as s:
            assert await stop_digests_to(s, Platform.SLACK, user) == 1, channel
    async with store.db.session() as s:
        extras = (await s.scalars(select(ChannelSettingsRow.extra).order_by(ChannelSettingsRow.channel_id))).all()
    assert all("digest_to" not in extra for extra in extras), extras


NAMES = ('Zoë "Z" Ng', "ACME\\Zoë", "José\tRamos", "Ana")


async def test_a_forget_redacts_a_name_however_a_json_column_holds_it(store: Store) -> None:
    """The outbox's messages name people; forgetting one finds the rows in SQL by the name's text inside the
    JSON. Rows written through the codec (and JSONB) escape quotes and backslashes but keep non-ASCII as is;
    rows written before (SQLite) escape both."""
    when = datetime(2026, 3, 2, tzinfo=UTC)
    for n, name in enumerate(NAMES):
        await store.outbox.enqueue([OutboxItem(Target(Platform.SLACK, "channel", f"C{n}"), when,
                                               reply=Reply(f"Retro, organised by {name}."))])
        await store.outbox.enqueue([OutboxItem(Target(Platform.SLACK, "channel", f"D{n}"), when,
                                               reply=Reply(f"Sprint review, organised by {name}."))])
    if not store.db.is_postgres:  # the D rows as the standard library wrote them before the codec
        async with store.db.session() as s:
            conn = await s.connection()
            for n, name in enumerate(NAMES):
                await conn.exec_driver_sql("UPDATE outbox SET payload = ? WHERE target_key LIKE ?",
                                           (json.dumps({"text": f"Sprint review, organised by {name}."}), f"%D{n}%"))
    for name in NAMES:
        async with store.db.session() as s:
            assert await redact_mentions(s, Platform.SLACK, "", [name]) == 2, name
    async with store.db.session() as s:
        texts = (await s.scalars(select(OutboxRow.payload))).all()
    assert len(texts) == 2 * len(NAMES)
    assert all(t["text"].endswith("organised by someone.") for t in texts), texts
