"""Fixtures for the feature tests: the in-process harness on SQLite (`bot`) or on both databases (`bot_db`).
A test that needs other settings or another start time opens `testbot(sqlite_url, …)` itself."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.testbot import TestBot, testbot


@pytest.fixture
async def bot(sqlite_url: str) -> AsyncIterator[TestBot]:
    async with testbot(sqlite_url) as harness:
        yield harness


@pytest.fixture
async def bot_db(db_url: str) -> AsyncIterator[TestBot]:
    async with testbot(db_url) as harness:
        yield harness
