"""The registry names every feature's handlers and imports them on their first call (handlers/core/lazy.py):
every name must resolve — a typo fails here, not as a dead command, button, form, watcher, outbox row or
periodic job in front of a person."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from handlers import build_registry
from handlers.core.lazy import Feature, Handler
from handlers.core.registry import Registry

ROOT = Path(__file__).resolve().parents[2]


def entries(registry: Registry) -> Iterator[tuple[str, object]]:
    """Every handler the registry holds, with where it is registered."""
    for name, spec in registry.commands.items():
        yield f"command {name}", spec.handler
    for name, action in registry.actions.items():
        yield f"action {name}", action
    for name, form in registry.forms.items():
        yield f"form {name} (open)", form.open
        yield f"form {name} (submit)", form.submit
    for watcher in registry.watchers:
        yield "watcher", watcher
    for kind, preparer in registry.preparers.items():
        yield f"outbox kind {kind}", preparer
    for kind, batch in registry.batch_preparers.items():
        yield f"outbox kind {kind} (batch)", batch
    for task in registry.periodic:
        yield f"periodic {task.name}", task.run


def test_every_entry_is_named_not_imported() -> None:
    """Nothing a feature registers is a function of its own modules: all of it waits for its first call."""
    registry = build_registry()
    eager = [where for where, handler in entries(registry) if not isinstance(handler, Handler)]
    assert eager == []
    assert len(list(entries(registry))) >= 60


def test_every_named_handler_resolves_to_a_coroutine_function() -> None:
    registry = build_registry()
    broken = []
    for where, handler in entries(registry):
        assert isinstance(handler, Handler)
        try:
            resolved = handler.resolve()
        except (LookupError, ImportError, AttributeError) as exc:
            broken.append(f"{where}: {exc}")
            continue
        target = getattr(resolved, "func", resolved)  # functools.partial
        if not inspect.iscoroutinefunction(target):
            broken.append(f"{where}: {target!r} is not an async function")
    assert broken == []


def test_every_handler_a_feature_builds_is_registered() -> None:
    """The other direction: a handler its loader builds but no entry names is one nobody can reach."""
    registry = build_registry()
    named: dict[Feature, set[str]] = {}
    for _, handler in entries(registry):
        assert isinstance(handler, Handler)
        named.setdefault(handler.feature, set()).add(handler.name)
    assert len(named) == 6  # general, pulse, meetings, timebox, scope, reports
    unused = {feature.loader: sorted(set(feature.handlers()) - names) for feature, names in named.items()}
    assert {loader: names for loader, names in unused.items() if names} == {}


def test_a_misspelled_name_fails_on_resolve_and_on_call() -> None:
    feature = Feature("handlers.timebox.wiring:handlers")
    with pytest.raises(LookupError, match="press_extnd"):
        feature.handler("press_extnd").resolve()
    with pytest.raises(LookupError):
        asyncio.run(feature.handler("press_extnd")(None, None))
    with pytest.raises(ModuleNotFoundError):
        Feature("handlers.timebox.wirng:handlers").handler("command").resolve()
    with pytest.raises(ValueError):
        Feature("handlers.timebox.wiring")


def test_a_feature_is_built_once_and_only_when_called() -> None:
    """In a fresh interpreter: building the registry imports no handler module; the first call of one imports
    its feature (and builds its handlers once: one timebox engine for all of `/timebox`'s handlers)."""
    code = """
import sys
from handlers import build_registry
registry = build_registry()
print(sorted(m for m in sys.modules if m.startswith("handlers.timebox")))
spec = registry.commands["timebox"]
first = spec.handler.resolve()
print(sorted(m for m in sys.modules if m.startswith("handlers.timebox")))
extend = registry.actions["timebox.extend"].resolve()
print(first.keywords["engine"] is extend.keywords["engine"], spec.handler.resolve() is first)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    before, after, same = out.stdout.splitlines()
    assert before == "['handlers.timebox', 'handlers.timebox.catalog']"
    assert "'handlers.timebox.commands'" in after and "'handlers.timebox.wiring'" in after
    assert same == "True True"
