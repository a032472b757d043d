"""All models, imported so that `Base.metadata` knows every table (Alembic autogenerate and tests)."""

from storage.models.base import Base
from storage.models.core import ChannelSettingsRow, Conversation, Identity, InboundKey, OutboxRow

__all__ = ["Base", "ChannelSettingsRow", "Conversation", "Identity", "InboundKey", "OutboxRow"]
from storage.models import calendar as _calendar  # noqa: E402,F401 - calendar feed tables
from storage.models import installations as _installations  # noqa: E402,F401 - Slack OAuth installations
from storage.models import meetings as _meetings  # noqa: E402,F401 - meeting hygiene tables
from storage.models import pulse as _pulse  # noqa: E402,F401 - pulse tables
from storage.models import scope as _scope  # noqa: E402,F401 - scope-creep tables
from storage.models import timebox as _timebox  # noqa: E402,F401 - timebox table
from storage.models import timeoff as _timeoff  # noqa: E402,F401 - time off (snooze)
