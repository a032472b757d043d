"""The core stays platform-neutral: handlers/ never imports a platform SDK, aiohttp or sqlalchemy."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from handlers.core.types import Platform

ROOT = Path(__file__).resolve().parents[2]
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
        "import sys, handlers; r = handlers.build_registry();"
        "[h.resolve() for h in [s.handler for s in r.commands.values()] + list(r.actions.values())"
        " + list(r.preparers.values()) + [t.run for t in r.periodic] + r.watchers];"
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


PLATFORM_FOLDERS = ("demo", "slack", "teams")
# The only places outside a platform's folder that may import it, and why:
ALLOWED_IMPORTS = {
    # `steadybot demo` is a command of the console script (the product's command line), not wiring
    ("bot/cli.py", "demo"),
}
# Typed accessors `Runtime.slack` / `Runtime.teams`: imported for the type checker only, never at run time
TYPING_ONLY = {("bot/runtime.py", "slack"), ("bot/runtime.py", "teams")}


def _platform_imports(path: Path) -> list[tuple[str, bool]]:
    """(platform folder, only for the type checker) for every import of `bot.<folder>` in `path`, at any
    depth (function-level imports too), absolute or relative."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            modules = [f"{base}.{alias.name}" for alias in node.names] if base == "bot" else [base]
        for module in modules:
            parts = module.split(".")
            if len(parts) >= 2 and parts[0] == "bot" and parts[1] in PLATFORM_FOLDERS:
                found.append((parts[1], id(node) in typing_only))
    return found


def test_a_platform_is_one_folder_nothing_else_imports() -> None:
    """Adding a platform is one folder implementing the adapter contract (bot/adapter.py) and nothing else
    in bot/: no other module imports bot.demo, bot.slack or bot.teams (bot/platforms.py finds Slack and
    Teams by folder; `steadybot demo` passes its adapter to `build_runtime` itself)."""
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        for folder, typing_only in _platform_imports(path):
            if where.startswith(f"bot/{folder}/") or (where, folder) in ALLOWED_IMPORTS:
                continue
            if typing_only and (where, folder) in TYPING_ONLY:
                continue
            offenders.append(f"{where}: bot.{folder}" + (" (TYPE_CHECKING)" if typing_only else ""))
    assert offenders == []


def test_only_the_demo_knows_the_demo() -> None:
    """Nothing outside bot/demo special-cases the demo: `Platform.DEMO` is named only by the enum itself
    (handlers/core/types.py) and the demo's own folder."""
    offenders = []
    for root in ("bot", "handlers", "storage"):
        for path in sorted((ROOT / root).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            if where.startswith("bot/demo/") or where == "handlers/core/types.py":
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            offenders += [f"{where}:{node.lineno}" for node in ast.walk(tree)
                          if isinstance(node, ast.Attribute) and node.attr == "DEMO"]
    assert offenders == []


def test_the_demo_changes_nothing_of_the_runtime_after_building_it() -> None:
    """The demo says what it needs at build time (`build_runtime(..., adapters=[...], ports=...,
    kick_outbox=False)`): no assignment into the runtime's parts and no registering into them afterwards."""
    mutators = {"add", "update", "setdefault", "append", "extend", "insert", "pop", "clear", "remove"}

    def touches_runtime(node: ast.expr) -> bool:
        while isinstance(node, ast.Attribute | ast.Subscript):
            if isinstance(node, ast.Attribute) and node.attr == "runtime":
                return True
            node = node.value
        return isinstance(node, ast.Name) and node.id == "runtime"

    offenders = []
    for path in sorted((ROOT / "bot" / "demo").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr in mutators):
                targets = [node.func]  # `runtime.directories.add(...)` changes `runtime.directories`
            offenders += [f"{path.relative_to(ROOT)}:{target.lineno}" for target in targets
                          if isinstance(target, ast.Attribute | ast.Subscript) and touches_runtime(target.value)]
    assert offenders == []


async def test_a_platforms_own_ports_are_wired_from_its_folder(tmp_path: Path) -> None:
    """Teams' group calendars (a core port reached through Graph) are registered by bot/teams/platform.py when
    Teams has credentials, not by the runtime: without them the port is absent."""
    from bot.config import Settings
    from bot.runtime import build_runtime
    from bot.teams.graph_calendar import GraphGroupCalendar

    base = Settings(database_url=f"sqlite:///{tmp_path / 'steadybot.db'}", secret="architecture-test-secret-0123456789")
    for settings, expected in ((base, False), (replace(base, teams_app_id="app-id", teams_app_password="pw"), True)):
        runtime = await build_runtime(settings)
        try:
            assert (Platform.TEAMS in runtime.adapters) is expected
            assert isinstance(runtime.services.ports.get("graph_calendar"), GraphGroupCalendar) is expected
        finally:
            await runtime.close()


def test_slack_listeners_start_work_only_through_the_pipeline() -> None:
    """A Slack listener's work waits for its ack only when started by `pipeline.later` or `pipeline.run`
    (bot/inbound.py, `acked_by`); `pipeline.lane.run(...)` would skip that wait, so no listener calls a
    lane's `run` itself."""
    offenders = []
    for path in sorted((ROOT / "bot" / "slack" / "listeners").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run"
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "lane"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
