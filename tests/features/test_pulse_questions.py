"""The question set lives in one data file; it is validated at start-up and renders on every platform."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.slack import render as slack_render
from bot.teams import render as teams_render
from handlers.core.registry import Registry
from handlers.pulse import register
from handlers.pulse.model import DIMENSIONS
from handlers.pulse.questions import (
    FORM_ID,
    QUESTIONS_FILE,
    QuestionFileError,
    load_questions,
    parse_questions,
)

# Fragments of licensed Maslach Burnout Inventory items: our wording must not copy them.
MBI_FRAGMENTS = (
    "emotionally drained from my work", "used up at the end of the workday", "fatigued when i get up",
    "working with people all day", "burned out from my work", "frustrated by my job", "working too hard on my job",
    "at the end of my rope", "more callous", "positively influencing", "exhilarated after working",
    "accomplished many worthwhile things", "emotional problems very calmly", "less interested in my work",
    "less enthusiastic about my work", "doubt the significance of my work", "cynical about whether my work",
    "effectively solve the problems",
)


def test_default_questions_load_and_cover_every_dimension_in_order() -> None:
    questions = load_questions()
    assert tuple(s.id for s in questions.scales) == DIMENSIONS
    assert all(len(s.choices) == 5 for s in questions.scales)
    burnout = questions.scale("burnout")
    assert burnout.good == "low" and "no burnout" in burnout.choices[0] and "completely burned out" in burnout.choices[4]
    workload = questions.scale("workload")
    assert workload.good == "middle" and workload.choices[0] == "Way too little" and workload.choices[4] == "Way too much"
    form = questions.form(42)
    assert form.id == FORM_ID and form.context == "42" and form.launch_label == "Answer (30 seconds)"
    assert [f.id for f in form.fields] == [*DIMENSIONS, "comment"]
    assert form.fields[-1].optional and not any(f.optional for f in form.fields[:-1])
    assert [c.value for c in form.fields[0].choices] == ["1", "2", "3", "4", "5"]


def test_wording_is_ours_not_the_maslach_inventory() -> None:
    text = QUESTIONS_FILE.read_text(encoding="utf-8").lower()
    assert [f for f in MBI_FRAGMENTS if f in text] == []


def test_the_form_renders_as_a_slack_modal_and_a_teams_card() -> None:
    form = load_questions().form(7)
    modal = slack_render.modal(form, {"f": form.id, "c": form.context, "ch": "D1"})
    assert modal["type"] == "modal" and len(modal["blocks"]) == 7  # intro + 5 scales + comment
    assert modal["title"]["text"] == "Pulse check-in"
    body, submit = teams_render.form_body(form)
    assert submit["data"] == {"steadybot_form": FORM_ID, "steadybot_context": "7"}
    assert [b["type"] for b in body].count("Input.ChoiceSet") == 5


def test_a_team_can_swap_the_wording(tmp_path: Path) -> None:
    data = tomllib.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))
    data["scale"][0]["question"] = "Wie war deine Energie diese Woche?"
    data["title"] = "Puls-Check"
    path = tmp_path / "questions.toml"
    path.write_text(_to_toml(data), encoding="utf-8")
    registry = Registry()
    register(registry, load_questions(path))
    assert "pulse" in registry.commands and FORM_ID in registry.forms
    form = load_questions(path).form(1)
    assert form.title == "Puls-Check" and form.fields[0].label == "Wie war deine Energie diese Woche?"


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["scale"].pop(), "exactly once"),
    (lambda d: d["scale"][0]["choices"].pop(), "exactly 5 choices"),
    (lambda d: d["scale"][1].update(good="up"), "`good`"),
    (lambda d: d["scale"][2].update(id="happiness"), "not one of"),
    (lambda d: d["scale"][3].update(id="burnout"), "exactly once"),
    (lambda d: d["scale"][0]["choices"].__setitem__(0, "x" * 80), "1 to 75"),
    (lambda d: d.update(title=""), "`title`"),
    (lambda d: d.update(title="A title far too long for Slack"), "longer than 24"),
    (lambda d: d.pop("comment"), "[comment]"),
    (lambda d: d["comment"].update(max_length="lots"), "max_length"),
    (lambda d: d.update(scale="five"), "[[scale]]"),
])
def test_a_broken_question_file_says_what_to_fix(change, message: str) -> None:  # type: ignore[no-untyped-def]
    data = tomllib.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(QuestionFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_questions(data)


def test_unreadable_files_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(QuestionFileError, match="cannot read"):
        load_questions(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("title = 'unclosed", encoding="utf-8")
    with pytest.raises(QuestionFileError, match="not valid TOML"):
        load_questions(bad)


def _to_toml(data: dict[str, Any]) -> str:
    """A tiny TOML writer for this file's shape (strings, ints, lists of strings, tables, arrays of tables)."""
    def value(v: object) -> str:
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return str(v)

    lines = [f"{k} = {value(v)}" for k, v in data.items() if not isinstance(v, dict | list) or
             (isinstance(v, list) and v and not isinstance(v[0], dict))]
    for item in data.get("scale", []):
        lines.append("[[scale]]")
        lines.extend(f"{k} = {value(v)}" for k, v in item.items())
    lines.append("[comment]")
    lines.extend(f"{k} = {value(v)}" for k, v in data["comment"].items())
    return "\n".join(lines) + "\n"
