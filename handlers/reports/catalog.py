"""What the registry and the platform code name for reports before any of their handlers runs: button and
action ids, the digest's outbox kind, the report links' key purpose (a restart loads this, not the feature)."""

from __future__ import annotations

OPEN_PAGE = "report.page"  # the URL button (Slack still sends its press: acknowledged, nothing to do)
LINK_BUTTON = "report.link"  # "send me a link" (digest, App Home): mints a fresh private link
SHORTCUT = "tradeoff.message"  # the message shortcut / message extension action
#: The adapter's own call when the prompt SHORTCUT opened could not be posted: the thread's claim is given back.
#: No button carries it, so no press can reach it (a press's value opens only with the seal of its action).
SHORTCUT_UNPOSTED = "tradeoff.message.unposted"
DIGEST = "reports.digest"
VIEW = "home.view"
JOURNAL = "home.journal"
REPORT = "home.report"
REFRESH = "home.refresh"
SIGNER = "reports"  # the purpose of the report links' derived key
