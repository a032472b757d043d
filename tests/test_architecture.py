"""The core stays platform-neutral: handlers/ never imports a platform SDK, aiohttp or sqlalchemy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "aiohttp", "sqlalchemy", "alembic",
             "asyncpg", "aiosqlite", "bot", "storage")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_handlers_import_nothing_platform_specific() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "handlers").rglob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_importing_the_core_loads_no_platform_library() -> None:
    """Not even indirectly: a fresh interpreter importing every feature has none of them in sys.modules."""
    code = (
        "import sys, handlers; handlers.build_registry();"
        f"bad=[m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]; print(','.join(sorted(bad)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""


def test_no_globals_created_at_import_in_bot() -> None:
    """Adapters and storage build their objects in functions: no module-level client, app or engine."""
    suspicious = ("AsyncApp(", "AsyncWebClient(", "CloudAdapter(", "create_async_engine(", "ClientSession(",
                  "AsyncIOScheduler(")
    offenders = []
    for path in list((ROOT / "bot").rglob("*.py")) + list((ROOT / "storage").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line and not line[0].isspace() and any(s in line for s in suspicious) and "=" in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []
