"""Every button any feature can put in a reply has a registered action handler, and every form any feature
can show has a registered opener/submitter: a renamed or forgotten action fails here, not as a dead button
in someone's DM.

The buttons and forms are found in the source (every `Button(...)` and `Form(...)` call under handlers/),
so a reply that is only built on a rare path (a meeting nudge, a scope card for a meeting) is covered too.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from handlers import build_registry
from handlers.core.registry import Registry

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
# Rebuilt from stored JSON, not emitted by a feature.
NOT_FEATURES = {HANDLERS / "core" / "serialize.py"}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(HANDLERS.parent).with_suffix("").parts)


def _names(node: ast.expr, path: Path) -> list[str]:
    """The string values an action/form-id argument can take: literals, both sides of `a if c else b`, and
    module-level constants (resolved by importing the module)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _names(node.body, path) + _names(node.orelse, path)
    if isinstance(node, ast.Name):
        value = getattr(importlib.import_module(_module(path)), node.id)
        assert isinstance(value, str), f"{path.name}: {node.id} is not a string constant"
        return [value]
    raise AssertionError(f"{path}:{node.lineno}: cannot tell which action {ast.unparse(node)!r} is; "
                         "use a literal or a module constant")


def _emitted(kind: str, keyword: str) -> dict[str, list[str]]:
    """{action or form id: ["file:line", ...]} for every `kind(...)` call in the features."""
    found: dict[str, list[str]] = {}
    for path in sorted(HANDLERS.rglob("*.py")):
        if path in NOT_FEATURES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if callee != kind:
                continue
            arg = node.args[0] if node.args else next(k.value for k in node.keywords if k.arg == keyword)
            for name in _names(arg, path):
                found.setdefault(name, []).append(f"{path.relative_to(HANDLERS.parent)}:{node.lineno}")
    return found


@pytest.fixture(scope="module")
def registry() -> Registry:
    return build_registry()


def test_every_button_a_feature_emits_has_a_handler(registry: Registry) -> None:
    buttons = _emitted("Button", "action")
    # pulse, meetings (agenda, meeting), timebox, scope and general (settings) all emit buttons
    assert {name.split(".")[0] for name in buttons} >= {"pulse", "agenda", "meeting", "timebox", "scope",
                                                          "settings"}
    assert len(buttons) >= 25, sorted(buttons)
    missing = {name: where for name, where in buttons.items() if registry.find_action(name) is None}
    assert not missing, f"buttons without an action handler: {missing}"


def test_every_form_a_feature_shows_is_registered(registry: Registry) -> None:
    forms = _emitted("Form", "id")
    assert len(forms) >= 5, sorted(forms)
    missing = {name: where for name, where in forms.items() if name not in registry.forms}
    assert not missing, f"forms without an opener/submitter: {missing}"


def test_the_check_would_catch_an_unregistered_action(registry: Registry) -> None:
    """The lookup the tests rely on is strict: a near miss is not a handler."""
    assert registry.find_action("timebox.extend") is not None
    assert registry.find_action("timebox.extendd") is None
    assert registry.find_action("nobody.handles.this") is None
