"""The botbuilder `Middleware` that reads every activity once: the request it makes of the core, if any
(bot/teams/payloads.py), goes into the turn state for the activity handler to hand to the shared pipeline
(bot/inbound.py). Added first with `CloudAdapter.use`, so it runs before any other middleware."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from botbuilder.core import Middleware, TurnContext

from bot.inbound import Inbound
from bot.teams import payloads

#: The turn state key of the activity's `Inbound` (absent: the activity asks the core nothing).
INBOUND = "steadybot.inbound"


class ParseInbound(Middleware):
    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        parsed = payloads.inbound(context.activity)
        if parsed is not None:
            context.turn_state[INBOUND] = parsed
        await logic()


def inbound_of(context: TurnContext) -> Inbound | None:
    """The request ParseInbound found in this turn's activity."""
    found = context.turn_state.get(INBOUND)
    return found if isinstance(found, Inbound) else None
