"""The question set, read from one data file (questions.toml) so a team can change the wording.

The file is validated when the feature registers: a broken edit fails at start-up with a clear message,
not in the middle of a pulse."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from handlers.core.types import Choice, Field, Form
from handlers.pulse.catalog import FORM_ID
from handlers.pulse.model import DIMENSIONS, LEVELS

QUESTIONS_FILE = Path(__file__).resolve().parent / "questions.toml"
COMMENT_FIELD = "comment"
Good = Literal["high", "low", "middle"]


class QuestionFileError(ValueError):
    """questions.toml is not usable; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Scale:
    id: str
    name: str
    question: str
    good: Good
    choices: tuple[str, ...]

    def label(self, level: int) -> str:
        return self.choices[level - 1]


@dataclass(frozen=True, slots=True)
class QuestionSet:
    title: str
    intro: str
    submit: str
    launch: str
    scales: tuple[Scale, ...]
    comment_question: str
    comment_placeholder: str
    comment_max: int

    def scale(self, dimension: str) -> Scale:
        return next(s for s in self.scales if s.id == dimension)

    def form(self, round_id: int) -> Form:
        fields = [
            Field(s.id, s.question, "choice", tuple(Choice(str(i), c) for i, c in zip(LEVELS, s.choices, strict=True)))
            for s in self.scales
        ]
        fields.append(Field(COMMENT_FIELD, self.comment_question, "text", optional=True, multiline=True,
                            max_length=self.comment_max, placeholder=self.comment_placeholder))
        return Form(FORM_ID, self.title, tuple(fields), context=str(round_id), submit_label=self.submit,
                    intro=self.intro, launch_label=self.launch)


def _text(data: Mapping[str, Any], key: str, where: str, limit: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise QuestionFileError(f"{where}: `{key}` must be a non-empty string")
    if len(value) > limit:
        raise QuestionFileError(f"{where}: `{key}` is longer than {limit} characters")
    return value.strip()


def parse_questions(data: Mapping[str, Any]) -> QuestionSet:
    raw_scales = data.get("scale")
    if not isinstance(raw_scales, list):
        raise QuestionFileError("questions: add the five [[scale]] tables")
    scales: list[Scale] = []
    for index, raw in enumerate(raw_scales, 1):
        if not isinstance(raw, dict):
            raise QuestionFileError(f"scale {index}: must be a table")
        where = f"scale {index}"
        scale_id = _text(raw, "id", where, 40)
        if scale_id not in DIMENSIONS:
            raise QuestionFileError(f"{where}: id `{scale_id}` is not one of {', '.join(DIMENSIONS)}")
        good = raw.get("good")
        if good not in ("high", "low", "middle"):
            raise QuestionFileError(f"{where} ({scale_id}): `good` must be \"high\", \"low\" or \"middle\"")
        choices = raw.get("choices")
        if not isinstance(choices, list) or len(choices) != len(LEVELS):
            raise QuestionFileError(f"{where} ({scale_id}): give exactly {len(LEVELS)} choices")
        if not all(isinstance(c, str) and c.strip() and len(c) <= 75 for c in choices):
            raise QuestionFileError(f"{where} ({scale_id}): each choice is text of 1 to 75 characters")
        scales.append(Scale(scale_id, _text(raw, "name", where, 30), _text(raw, "question", where, 300),
                            good, tuple(c.strip() for c in choices)))
    ids = [s.id for s in scales]
    if sorted(ids) != sorted(DIMENSIONS):
        raise QuestionFileError(f"questions: need each of {', '.join(DIMENSIONS)} exactly once (found {ids})")
    scales.sort(key=lambda s: DIMENSIONS.index(s.id))
    comment = data.get("comment")
    if not isinstance(comment, dict):
        raise QuestionFileError("questions: add a [comment] table")
    max_length = comment.get("max_length", 500)
    if not isinstance(max_length, int) or not 20 <= max_length <= 2000:
        raise QuestionFileError("comment: `max_length` must be a whole number from 20 to 2000")
    return QuestionSet(
        title=_text(data, "title", "questions", 24),
        intro=_text(data, "intro", "questions", 500),
        submit=_text(data, "submit", "questions", 24),
        launch=_text(data, "launch", "questions", 75),
        scales=tuple(scales),
        comment_question=_text(comment, "question", "comment", 300),
        comment_placeholder=str(comment.get("placeholder", ""))[:150],
        comment_max=max_length,
    )


def load_questions(path: Path = QUESTIONS_FILE) -> QuestionSet:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"cannot read {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise QuestionFileError(f"{path} is not valid TOML: {exc}") from exc
    return parse_questions(data)
