"""Build the steadybot Microsoft Teams app package (a zip to upload in Teams).

Usage:
    python teams/build_package.py [--app-id GUID] [--out PATH] [--src DIR]

The app id comes from --app-id or else from the MICROSOFT_APP_ID environment variable: it is the
"Microsoft App ID" of the Azure Bot registration and replaces every ${{MICROSOFT_APP_ID}} placeholder in
manifest.json (the app "id" and "bots[0].botId"). The manifest and icons are checked against the basic
Teams rules, then manifest.json, color.png and outline.png are written at the root of the zip
(default teams/build/steadybot-teams.zip).

Exit codes: 0 package written, 1 the manifest or the icons break a rule, 2 bad command line or app id.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "build" / "steadybot-teams.zip"
PLACEHOLDER = "${{MICROSOFT_APP_ID}}"
ENV_VAR = "MICROSOFT_APP_ID"

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
LEFTOVER_RE = re.compile(r"\$\{\{[^}]*\}\}")
SEMVER_RE = re.compile(r"^\d+\.\d+\.\d+$")
HEX_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

MANIFEST_VERSION = "1.16"
REQUIRED_KEYS = (
    "manifestVersion",
    "version",
    "id",
    "developer",
    "name",
    "description",
    "icons",
    "accentColor",
)
ICON_SIZES: Mapping[str, int] = {"color": 192, "outline": 32}
# Exactly as the v1.16 schema spells them (case matters: the schema refuses "groupchat").
BOT_SCOPES = frozenset({"personal", "team", "groupChat"})
PERMISSIONS = frozenset({"identity", "messageTeamMembers"})
MAX_COMMAND_LISTS = 3
MAX_COMMANDS = 10
MAX_TITLE = 32
MAX_COMMAND_DESCRIPTION = 128
MAX_SHORT_NAME = 30
MAX_FULL_NAME = 100
MAX_SHORT_DESCRIPTION = 80
MAX_FULL_DESCRIPTION = 4000
MAX_DEVELOPER_NAME = 32

# Fixed timestamp so that the same inputs give a byte-identical zip.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class AppIdError(Exception):
    """The app id is missing or malformed (exit code 2)."""


class PackageError(Exception):
    """The manifest or the icons break the Teams rules (exit code 1)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class PngInfo:
    width: int
    height: int
    bit_depth: int
    color_type: int
    interlace: int

    @property
    def has_alpha(self) -> bool:
        return self.color_type in (4, 6)


def resolve_app_id(cli_value: str | None, environ: Mapping[str, str]) -> str:
    value = (cli_value or environ.get(ENV_VAR) or "").strip()
    if not value:
        raise AppIdError(f"no Microsoft app id: pass --app-id <GUID> or set {ENV_VAR}")
    if not GUID_RE.match(value):
        raise AppIdError(
            f"Microsoft app id {value!r} is not a GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
        )
    return value


def read_png_info(data: bytes) -> PngInfo:
    """Read the IHDR chunk, which the PNG format requires to come first."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    header = data[len(PNG_SIGNATURE) : len(PNG_SIGNATURE) + 8 + 13]
    if len(header) < 21 or header[4:8] != b"IHDR":
        raise ValueError("PNG file without an IHDR chunk")
    width, height, bit_depth, color_type, _compression, _filter, interlace = struct.unpack(
        ">IIBBBBB", header[8:21]
    )
    return PngInfo(width, height, bit_depth, color_type, interlace)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png_rows(data: bytes, info: PngInfo) -> list[bytes]:
    """Unfiltered scanlines of an 8-bit, non-interlaced grey+alpha or RGBA PNG."""
    if info.bit_depth != 8 or info.interlace != 0 or info.color_type not in (4, 6):
        raise ValueError("only 8-bit non-interlaced grey+alpha or RGBA PNG files can be decoded")
    bpp = 2 if info.color_type == 4 else 4
    idat = bytearray()
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        if kind == b"IEND":
            break
        pos += 12 + length
    raw = zlib.decompress(bytes(idat))
    stride = info.width * bpp
    if len(raw) != info.height * (stride + 1):
        raise ValueError("PNG image data has the wrong length")
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(info.height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            upper_left = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + _paeth(left, up, upper_left)) & 0xFF
            elif kind != 0:
                raise ValueError(f"unknown PNG filter type {kind}")
        rows.append(bytes(line))
        previous = line
    return rows


def outline_is_white_on_transparent(rows: Sequence[bytes], bpp: int) -> bool:
    for row in rows:
        for i in range(0, len(row), bpp):
            pixel = row[i : i + bpp]
            if pixel[-1] and any(channel != 0xFF for channel in pixel[:-1]):
                return False
    return True


def substitute(value: Any, app_id: str) -> Any:
    """Replace the placeholder in every string of a parsed JSON document."""
    if isinstance(value, str):
        return value.replace(PLACEHOLDER, app_id)
    if isinstance(value, list):
        return [substitute(item, app_id) for item in value]
    if isinstance(value, dict):
        return {key: substitute(item, app_id) for key, item in value.items()}
    return value


def _text(problems: list[str], where: str, value: Any, max_length: int, *, required: bool = True) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where} must be a non-empty string")
    elif len(value) > max_length:
        problems.append(f"{where} is {len(value)} characters long (at most {max_length})")


def _https(problems: list[str], where: str, value: Any) -> None:
    if not isinstance(value, str) or not value.startswith("https://"):
        problems.append(f"{where} must be an https:// URL")


def validate_manifest(manifest: Any) -> list[str]:
    """Basic Teams v1.16 manifest rules; returns the problems found (empty when fine)."""
    if not isinstance(manifest, dict):
        return ["manifest.json must hold a JSON object"]
    problems: list[str] = []
    for key in REQUIRED_KEYS:
        if key not in manifest:
            problems.append(f"manifest.json has no {key!r}")
    if problems:
        return problems

    if manifest["manifestVersion"] != MANIFEST_VERSION:
        problems.append(f"manifestVersion must be {MANIFEST_VERSION!r}")
    if not isinstance(manifest["version"], str) or not SEMVER_RE.match(manifest["version"]):
        problems.append("version must look like 1.0.0 (major.minor.patch)")
    if not isinstance(manifest["id"], str) or not GUID_RE.match(manifest["id"]):
        problems.append("id must be a GUID")
    if not isinstance(manifest["accentColor"], str) or not HEX_COLOR_RE.match(manifest["accentColor"]):
        problems.append("accentColor must be a colour like #2C7A7B")

    developer = manifest["developer"] if isinstance(manifest["developer"], dict) else {}
    _text(problems, "developer.name", developer.get("name"), MAX_DEVELOPER_NAME)
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        _https(problems, f"developer.{key}", developer.get(key))

    name = manifest["name"] if isinstance(manifest["name"], dict) else {}
    _text(problems, "name.short", name.get("short"), MAX_SHORT_NAME)
    _text(problems, "name.full", name.get("full"), MAX_FULL_NAME, required=False)

    description = manifest["description"] if isinstance(manifest["description"], dict) else {}
    _text(problems, "description.short", description.get("short"), MAX_SHORT_DESCRIPTION)
    _text(problems, "description.full", description.get("full"), MAX_FULL_DESCRIPTION)

    icons = manifest["icons"] if isinstance(manifest["icons"], dict) else {}
    for key in ICON_SIZES:
        file_name = icons.get(key)
        if not isinstance(file_name, str) or not file_name or "/" in file_name or "\\" in file_name:
            problems.append(f"icons.{key} must be a file name next to manifest.json (no folders)")

    problems += _validate_bots(manifest.get("bots", []))

    permissions = manifest.get("permissions", [])
    if not isinstance(permissions, list) or not set(permissions) <= PERMISSIONS:
        problems.append(f"permissions may only contain {sorted(PERMISSIONS)}")
    domains = manifest.get("validDomains", [])
    if not isinstance(domains, list) or any(
        not isinstance(domain, str) or "://" in domain or "/" in domain for domain in domains
    ):
        problems.append("validDomains must be host names without scheme or path, e.g. steadybot.example.com")

    leftovers = sorted(set(LEFTOVER_RE.findall(json.dumps(manifest))))
    if leftovers:
        problems.append(f"placeholders left unreplaced: {', '.join(leftovers)}")
    return problems


def _validate_bots(bots: Any) -> list[str]:
    if not isinstance(bots, list) or len(bots) > 1:
        return ["bots must be a list with at most one bot"]
    problems: list[str] = []
    for bot in bots:
        if not isinstance(bot, dict):
            return ["bots[0] must be an object"]
        if not isinstance(bot.get("botId"), str) or not GUID_RE.match(bot["botId"]):
            problems.append("bots[0].botId must be a GUID")
        scopes = bot.get("scopes")
        if not isinstance(scopes, list) or not scopes or not set(scopes) <= BOT_SCOPES:
            problems.append(f"bots[0].scopes must be a non-empty subset of {sorted(BOT_SCOPES)}"
                            + _misspelt(scopes))
            scopes = list(BOT_SCOPES)
        command_lists = bot.get("commandLists", [])
        if not isinstance(command_lists, list) or len(command_lists) > MAX_COMMAND_LISTS:
            problems.append(f"bots[0].commandLists must be a list of at most {MAX_COMMAND_LISTS} lists")
            continue
        seen_scopes: set[str] = set()
        for n, command_list in enumerate(command_lists):
            where = f"bots[0].commandLists[{n}]"
            if not isinstance(command_list, dict):
                problems.append(f"{where} must be an object")
                continue
            list_scopes = command_list.get("scopes")
            if not isinstance(list_scopes, list) or not list_scopes or not set(list_scopes) <= set(scopes):
                problems.append(f"{where}.scopes must be a non-empty subset of the bot's scopes"
                                + _misspelt(list_scopes))
            else:
                repeated = seen_scopes & set(list_scopes)
                if repeated:
                    problems.append(
                        f"{where} repeats scope(s) {sorted(repeated)}: use one command list per scope"
                    )
                seen_scopes |= set(list_scopes)
            commands = command_list.get("commands")
            if not isinstance(commands, list) or not commands:
                problems.append(f"{where}.commands must be a non-empty list")
                continue
            if len(commands) > MAX_COMMANDS:
                problems.append(f"{where} has {len(commands)} commands (at most {MAX_COMMANDS})")
            titles: set[str] = set()
            for i, item in enumerate(commands):
                command = item if isinstance(item, dict) else {}
                title = command.get("title")
                _text(problems, f"{where}.commands[{i}].title", title, MAX_TITLE)
                _text(
                    problems,
                    f"{where}.commands[{i}].description",
                    command.get("description"),
                    MAX_COMMAND_DESCRIPTION,
                )
                if isinstance(title, str):
                    if title in titles:
                        problems.append(f"{where} lists the command {title!r} twice")
                    titles.add(title)
    return problems


def _misspelt(scopes: Any) -> str:
    """A hint for scopes that are right except for their case ("groupchat" for "groupChat")."""
    if not isinstance(scopes, list):
        return ""
    by_lower = {scope.lower(): scope for scope in BOT_SCOPES}
    hints = [f"{scope!r} must be spelt {by_lower[scope.lower()]!r}" for scope in scopes
             if isinstance(scope, str) and scope not in BOT_SCOPES and scope.lower() in by_lower]
    return f" ({'; '.join(hints)})" if hints else ""


def validate_icons(manifest: Mapping[str, Any], src: Path) -> dict[str, bytes]:
    """Check the icon files and return their contents by file name."""
    problems: list[str] = []
    files: dict[str, bytes] = {}
    for key, size in ICON_SIZES.items():
        file_name = manifest["icons"][key]
        path = src / file_name
        try:
            data = path.read_bytes()
            info = read_png_info(data)
        except OSError as exc:
            problems.append(f"icons.{key}: cannot read {path}: {exc.strerror or exc}")
            continue
        except ValueError as exc:
            problems.append(f"icons.{key}: {path.name} is not a valid PNG ({exc})")
            continue
        if (info.width, info.height) != (size, size):
            problems.append(f"icons.{key}: {path.name} is {info.width}x{info.height}, must be {size}x{size}")
        if key == "outline":
            if not info.has_alpha:
                problems.append(
                    f"icons.outline: {path.name} must have an alpha channel (white on transparent)"
                )
            else:
                try:
                    rows = decode_png_rows(data, info)
                except (ValueError, zlib.error) as exc:
                    problems.append(f"icons.outline: cannot check the pixels of {path.name} ({exc})")
                else:
                    if not outline_is_white_on_transparent(rows, 2 if info.color_type == 4 else 4):
                        problems.append(f"icons.outline: {path.name} must be white on transparent only")
        files[file_name] = data
    if problems:
        raise PackageError(problems)
    return files


def build(app_id: str, src: Path, out: Path) -> Path:
    manifest_path = src / "manifest.json"
    try:
        template = json.loads(manifest_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PackageError([f"cannot read {manifest_path}: {exc.strerror or exc}"]) from exc
    except json.JSONDecodeError as exc:
        raise PackageError([f"{manifest_path} is not valid JSON: {exc}"]) from exc

    manifest = substitute(template, app_id)
    problems = validate_manifest(manifest)
    if problems:
        raise PackageError(problems)
    icons = validate_icons(manifest, src)

    members: dict[str, bytes] = {
        "manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        **icons,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            entry = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    partial.replace(out)
    return out


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build_package.py",
        description="Build the steadybot Microsoft Teams app package (manifest.json + icons in a zip).",
    )
    parser.add_argument("--app-id", help=f"Microsoft App ID of the Azure Bot (default: ${ENV_VAR})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="zip to write (default: %(default)s)")
    parser.add_argument(
        "--src",
        type=Path,
        default=HERE,
        help="folder with manifest.json and the icons (default: %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = parse_args(argv)
    try:
        app_id = resolve_app_id(args.app_id, os.environ if environ is None else environ)
    except AppIdError as exc:
        print(f"build_package.py: error: {exc}", file=sys.stderr)
        return 2
    try:
        out = build(app_id, args.src, args.out)
    except PackageError as exc:
        print("build_package.py: error: the Teams app package is not valid:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"wrote {out} (app id {app_id})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
