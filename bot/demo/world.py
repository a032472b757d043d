"""The simulated team of `steadybot demo`: you, a few teammates, one channel."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from handlers.core.types import Choice, Form, MessageRef, Person, Place, Platform

COMMENTS = (
    "The on-call week was rough.", "Good focus time lately, thanks!",
    "Unclear priorities between the two projects.", "Release pressure is getting to me.",
    "Pairing sessions have been great.", "Too many interruptions in chat.",
    "Looking forward to the offsite.", "Reviews are piling up.",
)
CHANNEL = Place(Platform.DEMO, "C-TEAM", "T-DEMO", None, False, "team")
YOU = "you"


def _dm(person_id: str) -> Place:
    return Place(Platform.DEMO, f"D-{person_id}", "T-DEMO", None, True, f"dm-{person_id}")


@dataclass(slots=True)
class World:
    you: Person
    teammates: list[Person]
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    comments: list[str] = field(default_factory=list)

    @staticmethod
    def default(tz: str) -> World:
        return World(
            you=Person(Platform.DEMO, YOU, "You", tz),
            teammates=[
                Person(Platform.DEMO, "ana", "Ana", "Europe/Berlin"),
                Person(Platform.DEMO, "ben", "Ben", "America/New_York"),
                Person(Platform.DEMO, "chloe", "Chloé", "Europe/Paris"),
                Person(Platform.DEMO, "dev", "Dev", "Asia/Kolkata"),
                Person(Platform.DEMO, "eli", "Eli", "Europe/London"),
            ],
        )

    @property
    def people(self) -> list[Person]:
        return [self.you, *self.teammates]

    def find(self, person_id: str) -> Person | None:
        key = person_id.strip().lower().lstrip("@")
        return next((p for p in self.people if p.id == key or p.name.lower() == key), None)

    @staticmethod
    def dm(person: Person) -> Place:
        return _dm(person.id)

    def answer(self, form: Form) -> dict[str, str]:
        """A teammate fills in a form: plausible choices, the odd comment."""
        values: dict[str, str] = {}
        for f in form.fields:
            if f.kind == "choice" and f.choices:
                values[f.id] = self._pick(f.choices, f.initial)
            elif f.kind == "text" and not f.optional:
                values[f.id] = f.initial or "ok"
            elif f.kind == "text" and self.rng.random() < 0.4:
                values[f.id] = self._comment()
        return values

    def _comment(self) -> str:
        """Teammates' comments, drawn without repeats until the deck runs out."""
        if not self.comments:
            self.comments = self.rng.sample(COMMENTS, len(COMMENTS))
        return self.comments.pop()

    def _pick(self, choices: tuple[Choice, ...], initial: str | None) -> str:
        if initial is not None and self.rng.random() < 0.5:
            return initial
        middle = len(choices) // 2
        weights = [1.0 / (1 + abs(i - middle)) for i in range(len(choices))]
        return self.rng.choices(choices, weights=weights)[0].value


class DemoDirectory:
    def __init__(self, world: World) -> None:
        self.world = world

    async def members(self, place: Place) -> list[Person]:
        return list(self.world.people)

    async def person(self, platform: Platform, user_id: str) -> Person | None:
        return self.world.find(user_id)

    async def owner_ids(self, place: Place) -> set[str]:
        return {self.world.you.id}

    async def delete_message(self, ref: MessageRef, user_id: str) -> bool:
        """The demo prints to a terminal: nothing it printed can be taken back."""
        return False
