"""Events the app subscribes to for their side effects elsewhere, acknowledged with nothing to do here."""

from __future__ import annotations


async def ignored() -> None:
    return None
