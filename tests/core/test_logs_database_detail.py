"""bot/logs.py's rules for PostgreSQL's DETAIL lines, shape by shape (the real violations on PostgreSQL are in
tests/reliability/test_attack_logs_postgres.py): the values go, the columns, the tables and the kind stay,
and scrubbing twice changes nothing (the JSON line is scrubbed once more)."""

from __future__ import annotations

import pytest

from bot.logs import RedactSecrets

CASES = {
    'Key (title)=(Retro qz7) already exists.': "Key (title)=([redacted]) already exists.",
    'Key (platform, channel_id)=(slack, qz7) is not present in table "conversations".':
        'Key (platform, channel_id)=([redacted]) is not present in table "conversations".',
    'Key (id)=(qz7) is still referenced from table "agenda_items".':
        'Key (id)=([redacted]) is still referenced from table "agenda_items".',
    "Key (lower(title::text))=(qz7) is duplicated.": "Key (lower(title::text))=([redacted]) is duplicated.",
    "Key (room, during)=(1, [qz7,)) conflicts with existing key (room, during)=(1, [qz7,)).":
        "Key (room, during)=([redacted]) conflicts with an existing key.",
    "Failing row contains (1, qz7, null, 2026-03-02 09:00:00+00).": "Failing row contains ([redacted]).",
    'Token "qz7" is invalid.': "[redacted]",
}


@pytest.mark.parametrize("detail", CASES)
def test_a_detail_line_keeps_its_shape_and_loses_its_values(detail: str) -> None:
    redactor = RedactSecrets()
    text = f'duplicate key value violates unique constraint "c"\nDETAIL:  {detail}\n[SQL: INSERT …]'
    once = redactor.scrub(text)
    assert once == f'duplicate key value violates unique constraint "c"\nDETAIL:  {CASES[detail]}\n[SQL: INSERT …]'
    assert redactor.scrub(once) == once and redactor.scrub(once, rows=False) == once


def test_a_query_argument_asyncpg_could_not_encode_loses_its_value() -> None:
    text = "invalid input for query argument $2: 'qz7 secret' ('str' object cannot be interpreted as an integer)"
    assert RedactSecrets().scrub(text) == "invalid input for query argument $2: [redacted]"


def test_a_row_with_a_line_break_is_redacted_to_its_end() -> None:
    text = "DETAIL:  Failing row contains (1, Retro\nqz7, qz7).\n[SQL: INSERT …]"
    assert RedactSecrets().scrub(text) == "DETAIL:  Failing row contains ([redacted]).\n[SQL: INSERT …]"
