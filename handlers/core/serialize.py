"""Replies and targets as plain JSON-able dicts, so the outbox can store them."""

from __future__ import annotations

from typing import Any

from handlers.core.types import Button, Choice, Field, Form, Platform, Reply, Target, Visibility


def reply_to_dict(reply: Reply) -> dict[str, Any]:
    out: dict[str, Any] = {"text": reply.text}
    if reply.facts:
        out["facts"] = [list(f) for f in reply.facts]
    if reply.buttons:
        out["buttons"] = [
            {k: v for k, v in (("action", b.action), ("label", b.label), ("value", b.value),
                               ("style", b.style), ("confirm", b.confirm)) if v not in (None, "", "default")}
            for b in reply.buttons
        ]
    if reply.form:
        out["form"] = form_to_dict(reply.form)
    if reply.visibility != Visibility.PERSON:
        out["visibility"] = reply.visibility.value
    if reply.replace_original:
        out["replace_original"] = True
    if not reply.in_thread:
        out["in_thread"] = False
    if reply.notify_text:
        out["notify_text"] = reply.notify_text
    return out


def reply_from_dict(data: dict[str, Any]) -> Reply:
    return Reply(
        text=str(data.get("text", "")),
        facts=tuple((str(a), str(b)) for a, b in data.get("facts", ())),
        buttons=tuple(
            Button(b["action"], b["label"], b.get("value", ""), b.get("style", "default"), b.get("confirm"))
            for b in data.get("buttons", ())
        ),
        form=form_from_dict(data["form"]) if data.get("form") else None,
        visibility=Visibility(data.get("visibility", Visibility.PERSON.value)),
        replace_original=bool(data.get("replace_original", False)),
        in_thread=bool(data.get("in_thread", True)),
        notify_text=str(data.get("notify_text", "")),
    )


def form_to_dict(form: Form) -> dict[str, Any]:
    return {
        "id": form.id,
        "title": form.title,
        "context": form.context,
        "submit_label": form.submit_label,
        "intro": form.intro,
        "launch_label": form.launch_label,
        "fields": [
            {
                "id": f.id, "label": f.label, "kind": f.kind, "optional": f.optional, "multiline": f.multiline,
                "initial": f.initial, "max_length": f.max_length, "placeholder": f.placeholder,
                "choices": [[c.value, c.label] for c in f.choices],
            }
            for f in form.fields
        ],
    }


def form_from_dict(data: dict[str, Any]) -> Form:
    return Form(
        id=data["id"],
        title=data["title"],
        context=data.get("context", ""),
        submit_label=data.get("submit_label", "Submit"),
        intro=data.get("intro", ""),
        launch_label=data.get("launch_label", "Open"),
        fields=tuple(
            Field(
                id=f["id"], label=f["label"], kind=f.get("kind", "choice"), optional=bool(f.get("optional")),
                multiline=bool(f.get("multiline")), initial=f.get("initial"),
                max_length=int(f.get("max_length", 500)), placeholder=f.get("placeholder", ""),
                choices=tuple(Choice(str(v), str(label)) for v, label in f.get("choices", ())),
            )
            for f in data.get("fields", ())
        ),
    )


def target_to_dict(target: Target) -> dict[str, Any]:
    return {"platform": target.platform.value, "kind": target.kind, "id": target.id,
            "thread_id": target.thread_id, "team_id": target.team_id}


def target_from_dict(data: dict[str, Any]) -> Target:
    return Target(Platform(data["platform"]), data["kind"], data["id"], data.get("thread_id"),
                  data.get("team_id", ""))
