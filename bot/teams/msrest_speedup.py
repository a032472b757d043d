"""A CPU fix for the Bot Framework SDK's HTTP layer (docs/benchmarks.md#msrest-retry-list-teams).

botbuilder builds a `ConnectorClient` and a `TokenApiClient` for every incoming activity, and each builds an
msrest `ClientRetryPolicy`, whose constructor computes its retry status list as
`[i for i in range(999) if i not in self.safe_codes]` with `safe_codes` a 501-element *list*: about half a
million comparisons per client, more CPU than the rest of a bare bot's turn. Making `safe_codes` a frozenset
gives exactly the same retry list.
"""

from __future__ import annotations


def apply() -> bool:
    """Idempotent. Returns True when the class was changed (False: already fast, or msrest changed)."""
    try:
        from msrest.universal_http.requests import ClientRetryPolicy
    except ImportError:  # pragma: no cover - msrest is a dependency of botbuilder
        return False
    codes = getattr(ClientRetryPolicy, "safe_codes", None)
    if not isinstance(codes, list):
        return False
    ClientRetryPolicy.safe_codes = frozenset(codes)  # type: ignore[assignment]  # msrest declares a list; only `in` is used
    return True
