"""How a platform sender reports a failed delivery to the outbox worker."""

from __future__ import annotations


class DeliveryError(Exception):
    """Base class. `retryable` decides between another attempt later and giving up."""

    retryable = True


class RateLimited(DeliveryError):
    """The platform (or our own pacing) says: not now, try again after `retry_after` seconds.
    Rate limiting never uses up an attempt: the message waits as long as it must and is never dropped."""

    def __init__(self, retry_after: float, scope: str = "") -> None:
        super().__init__(f"rate limited for {retry_after:.1f}s ({scope})")
        self.retry_after = max(0.0, retry_after)
        self.scope = scope


class TransientError(DeliveryError):
    """A 5xx, a timeout, a refused connection: retried with backoff and jitter."""


class PermanentError(DeliveryError):
    """The platform will never accept this (channel gone, bot removed, invalid blocks): fail the row."""

    retryable = False
