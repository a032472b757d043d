"""The Teams adapter's seams: its outbox sender sees no storage (a small protocol for the conversation
references it reads), and its SDK patches are applied from the platform's build, never from a constructor."""

from __future__ import annotations

import ast
from pathlib import Path

TEAMS = Path(__file__).resolve().parents[2] / "bot" / "teams"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_sender_imports_no_storage() -> None:
    assert not {name for name in _imports(TEAMS / "sender.py") if name.split(".")[0] == "storage"}


def test_msrest_is_patched_only_from_the_platforms_build() -> None:
    patching = {path.name for path in TEAMS.glob("*.py")
                if {"bot.teams.msrest_speedup", "bot.teams.msrest_noise"} & _imports(path)}
    assert patching == {"platform.py"}
