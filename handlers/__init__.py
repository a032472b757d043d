"""The platform-neutral core of steadybot. It never imports a platform SDK, aiohttp or sqlalchemy."""

from __future__ import annotations

from handlers.core.registry import Registry


def build_registry() -> Registry:
    """Every feature registers its commands, actions, forms, watchers, outbox kinds and periodic work, by name:
    no feature module is imported here, each feature's handlers are built on the first call of one
    (handlers/core/lazy.py)."""
    from handlers import general, meetings, pulse, reports, timebox
    from handlers import scope as scope_creep

    registry = Registry()
    general.register(registry)
    pulse.register(registry)
    timebox.register(registry, meetings.timebox_link)
    meetings.register(registry)
    scope_creep.register(registry)
    reports.register(registry)
    return registry
