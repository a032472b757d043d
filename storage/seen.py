"""How long a process trusts its own memory that a row is stored (the identity cache, the Teams lines known):
a forget in another process (`steadybot forget`, a replica) is noticed within it."""

from __future__ import annotations

from datetime import timedelta

SEEN_FOR = timedelta(minutes=5)
