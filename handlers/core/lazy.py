"""Handlers the registry names, imported on their first call.

A feature's `register` names its handlers (`feature.handler("command")`); its loader — a function named
"package.module:function", called once per registry with the feature's options — imports the feature's
modules and returns {name: handler}. So building the registry imports no feature module, and a restart
answers before any of them is loaded (docs/architecture.md, docs/benchmarks.md "Cold start"); the first
command, button, form, message, outbox row or periodic run that needs one pays for its import, once.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

Loaded = Mapping[str, Callable[..., Any]]


class Feature:
    """One feature's handlers, built on the first call of any of them (in whichever thread comes first)."""

    def __init__(self, loader: str, **options: object) -> None:
        module, _, function = loader.partition(":")
        if not module or not function:
            raise ValueError(f"a loader is named 'package.module:function', not {loader!r}")
        self.loader = loader
        self.options = options
        self._handlers: Loaded | None = None
        self._lock = threading.Lock()

    def handler(self, name: str) -> Handler:
        return Handler(self, name)

    def handlers(self) -> Loaded:
        """Import the feature and build its handlers (once)."""
        if self._handlers is None:
            with self._lock:
                if self._handlers is None:
                    module, _, function = self.loader.partition(":")
                    build: Callable[..., Loaded] = getattr(importlib.import_module(module), function)
                    self._handlers = build(**self.options)
        return self._handlers

    def __repr__(self) -> str:
        return f"Feature({self.loader!r})"


class Handler:
    """A registry entry's handler by name: resolved on its first call, then called directly."""

    __slots__ = ("_resolved", "feature", "name")

    def __init__(self, feature: Feature, name: str) -> None:
        self.feature = feature
        self.name = name
        self._resolved: Callable[..., Any] | None = None

    def resolve(self) -> Callable[..., Any]:
        if self._resolved is None:
            handlers = self.feature.handlers()
            if self.name not in handlers:
                raise LookupError(f"{self.feature.loader} builds no handler {self.name!r}")
            self._resolved = handlers[self.name]
        return self._resolved

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    @property
    def __name__(self) -> str:  # the watcher's name in a log line
        return f"{self.feature.loader}[{self.name}]"

    def __repr__(self) -> str:
        return f"Handler({self.feature.loader!r}, {self.name!r})"
