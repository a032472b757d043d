"""The scope repository as the handlers see it (typed by the feature's own Protocol)."""

from __future__ import annotations

from handlers.core.services import Services
from handlers.scope.ports import ScopeStore


def scope_store(svc: Services) -> ScopeStore:
    return svc.store.scope
