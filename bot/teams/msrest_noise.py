"""msrest (the Bot Framework SDK's model layer) logs a WARNING for every field of an activity its models do
not know ("… is not a known attribute of class … and will be ignored"), and Teams sends such fields on
ordinary traffic all the time (card action values, message extension payloads, `channelData` extras).
Those lines are demoted to DEBUG; every other msrest warning (a failed serialisation, say) stays a WARNING.
"""

from __future__ import annotations

import logging

#: The start of msrest's messages about fields of incoming payloads it does not model.
UNKNOWN_FIELD_MESSAGES = (
    "%s is not a known attribute of class %s and will be ignored",
    "Readonly attribute %s will be ignored in class %s",
    "Subtype value %s has no mapping, use base class %s.",
    "Discriminator %s is absent or null, use base class %s.",
)
LOGGER = "msrest.serialization"


class UnknownFieldsAtDebug(logging.Filter):
    """Lowers msrest's unknown-field warnings to DEBUG (dropped unless that logger's DEBUG is on)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and record.msg in UNKNOWN_FIELD_MESSAGES:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def quiet() -> None:
    """Idempotent: install the filter on msrest's serialisation logger once."""
    logger = logging.getLogger(LOGGER)
    if not any(isinstance(f, UnknownFieldsAtDebug) for f in logger.filters):
        logger.addFilter(UnknownFieldsAtDebug())
