"""Signed button values, card data and modal metadata: what round-trips through a Slack or Teams client.

A button's value (Slack `value`, Teams Action.Submit `data`) and a form's context are sealed by the adapter
when it renders a message, with an HMAC (`runtime.secret.signer("actions")`) over the action name and the
value, bound to where the message goes: the channel (platform + channel or conversation id) or, for a 1:1
chat, the person. When a press comes back, the adapter opens the seal with the place and person the press
came from, so a value copied from one channel fails in another, a Teams value fails in Slack, an edited
value fails everywhere, and the core only ever sees values the bot itself issued for that place. A Slack
modal's private_metadata (where the form came from, what it is about) is sealed the same way, bound to the
person the modal was opened for.

The core still checks that the object a value names belongs to the place (defence in depth: a sealed value
is only as right as the reply that carried it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.core.jsoncodec import dumps
from handlers.core.signing import Signer
from handlers.core.types import Person, Place, Reply, Target, Visibility

#: What a person sees when a button, card or form does not belong where it was used (or was altered).
INVALID = ("That button is no longer valid here (it belongs to another conversation, or it has expired). "
           "Run the command again to get a fresh one.")
PURPOSE = "actions"

Seal = Callable[[str, str], str]  # (action, value) → sealed value, for one binding


def invalid_reply() -> list[Reply]:
    return [Reply(text=INVALID, visibility=Visibility.PERSON)]


def place_binding(where: Place, user_id: str) -> str:
    """The binding of a message shown in `where` (a 1:1 chat binds to the person)."""
    if where.is_direct:
        return f"{where.platform}:u:{user_id}"
    return f"{where.platform}:c:{where.channel_id}"


def target_binding(target: Target) -> str:
    kind = "u" if target.kind == "user" else "c"
    return f"{target.platform}:{kind}:{target.id}"


@dataclass(frozen=True, slots=True)
class ActionSeal:
    signer: Signer

    def for_binding(self, binding: str) -> Seal:
        purpose = f"button:{binding}"

        def seal(action: str, value: str) -> str:
            return self.signer.sign(dumps([action, value]), purpose=purpose)  # UTF-8: not 6 characters per letter

        return seal

    def for_place(self, where: Place, user_id: str) -> Seal:
        return self.for_binding(place_binding(where, user_id))

    def for_target(self, target: Target) -> Seal:
        return self.for_binding(target_binding(target))

    def open(self, token: str, action: str, where: Place, who: Person) -> str | None:
        """The value a press carries, if the bot sealed it for this action in this place; else None."""
        bindings = [f"{where.platform}:c:{where.channel_id}"]
        if where.is_direct:
            bindings.append(f"{where.platform}:u:{who.id}")
        for binding in bindings:
            data = self.signer.unsign(token, purpose=f"button:{binding}")
            if data is None:
                continue
            try:
                pair = json.loads(data)
            except ValueError:
                return None
            if isinstance(pair, list) and len(pair) == 2 and pair[0] == action and isinstance(pair[1], str):
                return pair[1]
            return None
        return None

    # ---- Slack modals -----------------------------------------------------------------------------
    def seal_metadata(self, metadata: dict[str, Any], platform: str, user_id: str) -> str:
        return self.signer.sign(json.dumps(metadata, separators=(",", ":")), purpose=f"modal:{platform}:{user_id}")

    def open_metadata(self, token: str, platform: str, user_id: str) -> dict[str, Any] | None:
        data = self.signer.unsign(token, purpose=f"modal:{platform}:{user_id}")
        if data is None:
            return None
        try:
            value = json.loads(data)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None
