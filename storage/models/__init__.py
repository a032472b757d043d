"""The declarative base and the core models (identities, conversations, channel settings, inbound keys, the
outbox), which a process uses from its start. A feature's models are imported by the repository that maps
them, when the feature first touches the database (storage/store.py; docs/benchmarks.md, "Cold start").
`every_table()` imports them all, for what needs the whole schema: Alembic, an uninstall, tests."""

import importlib
import pkgutil

from sqlalchemy import MetaData

from storage.models.base import Base
from storage.models.core import ChannelSettingsRow, Conversation, Identity, InboundKey, OutboxRow

__all__ = ["Base", "ChannelSettingsRow", "Conversation", "Identity", "InboundKey", "OutboxRow", "every_table"]


def every_table() -> MetaData:
    """`Base.metadata` with every model module of this package imported (each maps its tables on import)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return Base.metadata
