"""The platforms this process can serve, found from the adapters' own folders.

Every subpackage of `bot` with a `platform.py` defining `PLATFORM` (a `PlatformSpec`) is a platform the server
can turn on from its settings: `bot/slack`, `bot/teams`. (The terminal demo, `bot/demo`, is an adapter too, but
`steadybot demo` passes it to `build_runtime` itself.) The spec says when the platform is on (from the settings), how to build its adapter
(importing its SDK only then) and what the server answers on its routes when it is off (a refusal that looks
like bad credentials: nobody learns what is configured). Adding a platform is one folder with an adapter and a `platform.py`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.adapter import AdapterFactory, Route
from bot.config import Settings
from handlers.core.types import Platform


@dataclass(frozen=True, slots=True)
class PlatformSpec:
    platform: Platform
    enabled: Callable[[Settings], bool]
    build: AdapterFactory
    refusals: Callable[[Settings], Sequence[Route]] = lambda _: ()


def discover() -> list[PlatformSpec]:
    """Every platform folder's spec, in a stable order (by folder name)."""
    specs: list[PlatformSpec] = []
    root = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(root)]), key=lambda i: i.name):
        if not info.ispkg or not (root / info.name / "platform.py").is_file():
            continue
        module = importlib.import_module(f"bot.{info.name}.platform")
        spec = getattr(module, "PLATFORM", None)
        if isinstance(spec, PlatformSpec):
            specs.append(spec)
    return specs


def enabled(settings: Settings) -> list[AdapterFactory]:
    """The adapter factories of the platforms these settings turn on."""
    return [spec.build for spec in discover() if spec.enabled(settings)]
