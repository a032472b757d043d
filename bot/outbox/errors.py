"""How a platform sender reports a failed delivery to the outbox worker."""

from __future__ import annotations


class DeliveryError(Exception):
    """Base class. `retryable` decides between another attempt later and giving up. `maybe_delivered` says
    whether the platform might have the message anyway (a timeout, a dropped connection, a 5xx after the
    request went out): the next attempt then checks before sending again."""

    retryable = True
    maybe_delivered = True


class RateLimited(DeliveryError):
    """The platform (or our own pacing) says: not now, try again after `retry_after` seconds.
    Rate limiting never uses up an attempt: the message waits as long as it must and is never dropped."""

    maybe_delivered = False

    def __init__(self, retry_after: float, scope: str = "") -> None:
        super().__init__(f"rate limited for {retry_after:.1f}s ({scope})")
        self.retry_after = max(0.0, retry_after)
        self.scope = scope


class TransientError(DeliveryError):
    """A 5xx, a timeout, a refused connection: retried with backoff and jitter."""

    def __init__(self, message: str = "", *, maybe_delivered: bool = True) -> None:
        super().__init__(message)
        self.maybe_delivered = maybe_delivered


class PermanentError(DeliveryError):
    """The platform will never accept this (channel gone, bot removed, invalid blocks): fail the row."""

    retryable = False
    maybe_delivered = False


class ChannelArchived(PermanentError):
    """The platform refuses the post because the conversation is archived (Slack `is_archived`). A row to a
    channel is parked, as the rows queued for an archived channel are, and the place is recorded inactive
    (bot/outbox/worker.py); any other row fails like every permanent error."""


class LeaseLost(DeliveryError):
    """Another replica owns the row now (this worker's lease ran out): leave it alone, send nothing."""

    retryable = False
    maybe_delivered = False


def partly_delivered(error: DeliveryError) -> DeliveryError:
    """The same error, noting that an earlier part of this row did reach the platform."""
    error.maybe_delivered = True
    return error
