"""The reports' handlers, built when the first of them is called (`handlers.reports.register` names them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.reports import commands, digest, home, shortcut


def handlers() -> dict[str, Callable[..., Any]]:
    return {
        "press_page": commands.press_page,
        "press_link": commands.press_link,
        "shortcut": shortcut.prompt_on_message,
        "shortcut_unposted": shortcut.unposted,
        "digest": digest.prepare_digest,
        "view": home.view,
        "journal": home.journal,
        "report": home.report,
        "home": home.home_command,
    }
