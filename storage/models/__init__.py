"""All models, imported so that `Base.metadata` knows every table (Alembic autogenerate and tests)."""

from storage.models.base import Base
from storage.models.core import ChannelSettingsRow, Conversation, Identity, InboundKey, OutboxRow

__all__ = ["Base", "ChannelSettingsRow", "Conversation", "Identity", "InboundKey", "OutboxRow"]
