"""The Slack app manifest and the Teams app package (no network)."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.slack.oauth import BOT_SCOPES

ROOT = Path(__file__).resolve().parents[2]
SLACK_MANIFEST = ROOT / "manifest.yml"
TEAMS = ROOT / "teams"
BUILD = TEAMS / "build_package.py"
MAKE_ICONS = TEAMS / "make_icons.py"
PLACEHOLDER = "${{MICROSOFT_APP_ID}}"
FAKE_GUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
SLACK_ENDPOINT = "https://steadybot.example.com/slack/events"

SLASH_COMMANDS = {
    "/pulse": "now | schedule <when> | results | stop | optout | optin | me | help",
    "/meeting": "<title> <when> [for <duration>] | help",
    "/agenda": "add <item> [<minutes>m] | question <text> | show | help",
    "/timebox": "<duration> [topic] | extend <duration> | stop | help",
    "/tradeoff": "<request> | help",
    "/steadybot": "report | settings | help",
}
REQUIRED_BOT_SCOPES = {
    "chat:write",
    "chat:write.public",
    "commands",
    "dnd:read",  # dnd.info: Do Not Disturb hours hold DMs back (without it every call is missing_scope)
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
    "users:read",
    "channels:read",
    "groups:read",
    "app_mentions:read",
}
BOT_EVENTS = {"message.channels", "message.groups", "message.im", "app_mention", "member_joined_channel",
              "app_home_opened", "app_uninstalled", "tokens_revoked", "channel_archive", "channel_unarchive",
              "channel_deleted", "group_archive", "group_unarchive", "group_deleted", "team_access_revoked"}
# Slack refuses a manifest whose events need scopes that it does not request.
EVENT_SCOPES = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "app_mention": "app_mentions:read",
    "member_joined_channel": "channels:read",
    "app_home_opened": None,  # needs no scope
    "app_uninstalled": None,  # needs no scope (Slack sends it to every app)
    "tokens_revoked": None,
    "team_access_revoked": None,  # no scope (docs.slack.dev/reference/events/team_access_revoked)
    # api.slack.com/events/channel_archive & co.: public channels need channels:read, private ones groups:read
    "channel_archive": "channels:read", "channel_unarchive": "channels:read", "channel_deleted": "channels:read",
    "group_archive": "groups:read", "group_unarchive": "groups:read", "group_deleted": "groups:read",
}
TEAMS_COMMANDS = {
    "pulse results",
    "pulse now",
    "pulse me",
    "meeting",
    "agenda show",
    "timebox",
    "tradeoff",
    "help",
}


# --- helpers ----------------------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    assert data[12:16] == b"IHDR", "IHDR must be the first chunk"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def png_color_type(data: bytes) -> int:
    return data[25]


def png_pixel_data(data: bytes) -> bytes:
    """The decompressed image data (filter bytes included) of a PNG file."""
    idat = bytearray()
    pos = 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return zlib.decompress(bytes(idat))


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def run_build(
    *args: str, app_id_env: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "MICROSOFT_APP_ID"}
    if app_id_env is not None:
        env["MICROSOFT_APP_ID"] = app_id_env
    return subprocess.run(
        [sys.executable, str(BUILD), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def slack() -> dict[str, Any]:
    with SLACK_MANIFEST.open(encoding="utf-8") as handle:
        manifest = yaml.safe_load(handle)
    assert isinstance(manifest, dict)
    return manifest


# --- Slack manifest.yml ------------------------------------------------------------------------------------


def test_slack_display_information(slack: dict[str, Any]) -> None:
    info = slack["display_information"]
    assert info["name"] == "steadybot"
    # Limits from Slack's manifest schema: otherwise "Create an app from a manifest" refuses the paste.
    assert 1 <= len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert info["background_color"].startswith("#") and 4 <= len(info["background_color"]) <= 7
    assert slack["features"]["bot_user"]["always_online"] is True
    assert 1 <= len(slack["features"]["bot_user"]["display_name"]) <= 80


def test_slack_slash_commands(slack: dict[str, Any]) -> None:
    commands = {command["command"]: command for command in slack["features"]["slash_commands"]}
    assert len(commands) == len(slack["features"]["slash_commands"]), "a slash command is listed twice"
    assert set(commands) == set(SLASH_COMMANDS)
    for name, usage in SLASH_COMMANDS.items():
        command = commands[name]
        assert command["url"] == SLACK_ENDPOINT, name
        assert command["usage_hint"] == usage, name
        assert command["should_escape"] is False, name
        assert isinstance(command["description"], str) and 0 < len(command["description"]) <= 2000, name
        assert len(name) <= 32


def test_slack_scopes_and_events(slack: dict[str, Any]) -> None:
    scopes = set(slack["oauth_config"]["scopes"]["bot"])
    assert scopes >= REQUIRED_BOT_SCOPES
    # The OAuth install (GET /slack/install) asks for exactly what the manifest lists.
    assert set(BOT_SCOPES) == scopes and len(BOT_SCOPES) == len(scopes)
    events = slack["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == BOT_EVENTS
    for event in events:
        assert EVENT_SCOPES[event] is None or EVENT_SCOPES[event] in scopes, event


def test_slack_settings(slack: dict[str, Any]) -> None:
    settings = slack["settings"]
    assert settings["event_subscriptions"]["request_url"] == SLACK_ENDPOINT
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"] == SLACK_ENDPOINT
    assert settings["interactivity"]["message_menu_options_url"] == SLACK_ENDPOINT
    assert settings["org_deploy_enabled"] is False
    assert settings["socket_mode_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_every_slack_url_points_at_the_single_endpoint(slack: dict[str, Any]) -> None:
    redirects = slack["oauth_config"]["redirect_urls"]
    assert redirects == [SLACK_ENDPOINT.replace("/slack/events", "/slack/oauth_redirect")]  # OAuth installs
    urls = [value for value in strings(slack) if value.startswith(("http://", "https://")) and value not in redirects]
    assert len(urls) == len(SLASH_COMMANDS) + 3
    assert all(url == SLACK_ENDPOINT for url in urls), urls


def test_slack_app_home_and_message_shortcut(slack: dict[str, Any]) -> None:
    assert slack["features"]["app_home"]["home_tab_enabled"] is True
    assert slack["features"]["shortcuts"] == [{"name": "What do we drop?", "type": "message",
                                                "callback_id": "tradeoff_message",
                                                "description": "Ask the team what to drop for this request, in its thread"}]


def test_teams_message_action_is_declared() -> None:
    manifest = json.loads((TEAMS / "manifest.json").read_text(encoding="utf-8"))
    (extension,) = manifest["composeExtensions"]
    assert extension["botId"] == PLACEHOLDER
    (command,) = extension["commands"]
    assert command["id"] == "tradeoff" and command["type"] == "action" and command["context"] == ["message"]
    assert command["fetchTask"] is False and 1 <= len(command["parameters"]) <= 5


def test_slack_manifest_says_to_replace_the_host() -> None:
    comments = [line for line in SLACK_MANIFEST.read_text(encoding="utf-8").splitlines() if "#" in line]
    assert any("replace" in line.lower() and "steadybot.example.com" in line for line in comments)


# --- Teams manifest and icons -------------------------------------------------------------------------------


def test_teams_manifest_source_keeps_the_placeholder() -> None:
    manifest = json.loads((TEAMS / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["manifestVersion"] == "1.16"
    assert manifest["$schema"].endswith("/teams/v1.16/MicrosoftTeams.schema.json")
    assert manifest["id"] == PLACEHOLDER
    bot = manifest["bots"][0]
    assert bot["botId"] == PLACEHOLDER
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert bot["supportsFiles"] is False and bot["isNotificationOnly"] is False
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]
    assert manifest["validDomains"] == ["steadybot.example.com"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["developer"]["name"] == "steadybot contributors"
    assert manifest["name"]["short"] == "steadybot"


def test_teams_bot_reads_channel_messages_without_a_mention() -> None:
    """Scope creep watches ordinary channel chat: resource-specific consent (manifest 1.12+) lets the team
    owner grant ChannelMessage.Read.Group at install, and RSC needs webApplicationInfo with the app id."""
    manifest = json.loads((TEAMS / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["authorization"] == {
        "permissions": {"resourceSpecific": [
            {"name": "ChannelMessage.Read.Group", "type": "Application"},
            # team owners through Microsoft Graph (bot/teams/graph.py): issue 14
            {"name": "TeamMember.Read.Group", "type": "Application"},
            # live meetings (meetingStart / meetingEnd in meeting chats and channel meetings): issue 15
            {"name": "OnlineMeeting.ReadBasic.Chat", "type": "Application"},
            {"name": "ChannelMeeting.ReadBasic.Group", "type": "Application"},
        ]}
    }
    assert "groupChat" in manifest["bots"][0]["scopes"]  # the bot sits in a meeting's chat
    assert manifest["webApplicationInfo"]["id"] == PLACEHOLDER
    assert manifest["webApplicationInfo"]["resource"].startswith("https://")


def test_built_package_keeps_the_rsc_permission(tmp_path: Path) -> None:
    out = tmp_path / "rsc.zip"
    assert run_build("--app-id", FAKE_GUID, "--out", str(out)).returncode == 0
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["webApplicationInfo"]["id"] == FAKE_GUID
    assert manifest["authorization"]["permissions"]["resourceSpecific"][0]["name"] == "ChannelMessage.Read.Group"


def test_teams_command_lists() -> None:
    manifest = json.loads((TEAMS / "manifest.json").read_text(encoding="utf-8"))
    command_lists = manifest["bots"][0]["commandLists"]
    assert 1 <= len(command_lists) <= 3
    covered: set[str] = set()
    for command_list in command_lists:
        commands = command_list["commands"]
        assert len(commands) <= 10
        # `home` is the personal scope's own: a person's journal and channels, typed in the 1:1 chat
        personal = {"home"} if command_list["scopes"] == ["personal"] else set()
        assert {command["title"] for command in commands} == TEAMS_COMMANDS | personal
        for command in commands:
            assert 0 < len(command["title"]) <= 32
            assert 0 < len(command["description"]) <= 128
        assert not covered & set(command_list["scopes"]), "one command list per scope"
        covered |= set(command_list["scopes"])
    assert {"personal", "team"} <= covered
    # Every Teams command is one of the Slack slash commands, typed without the slash.
    slack_words = {name.lstrip("/") for name in SLASH_COMMANDS}
    assert {title.split()[0] for title in TEAMS_COMMANDS} - {"help"} <= slack_words


@pytest.mark.parametrize(("name", "size"), [("color.png", 192), ("outline.png", 32)])
def test_icon_dimensions(name: str, size: int) -> None:
    data = (TEAMS / name).read_bytes()
    assert png_size(data) == (size, size)


def test_outline_icon_is_white_on_transparent() -> None:
    data = (TEAMS / "outline.png").read_bytes()
    assert png_color_type(data) == 6  # RGBA
    raw = png_pixel_data(data)
    stride = 32 * 4
    alphas = []
    for y in range(32):
        row = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        assert row[0] == 0  # make_icons.py writes unfiltered scanlines
        for x in range(32):
            r, g, b, a = row[1 + 4 * x : 5 + 4 * x]
            alphas.append(a)
            assert a == 0 or (r, g, b) == (255, 255, 255)
    assert 0 in alphas and 255 in alphas


def test_make_icons_reproduces_the_committed_icons(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(MAKE_ICONS), "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in ("color.png", "outline.png"):
        fresh, committed = (tmp_path / name).read_bytes(), (TEAMS / name).read_bytes()
        assert png_size(fresh) == png_size(committed)
        # Compare pixels rather than bytes: another zlib build may compress differently.
        assert png_pixel_data(fresh) == png_pixel_data(committed), name


# --- teams/build_package.py ---------------------------------------------------------------------------------


def test_build_package_with_app_id_argument(tmp_path: Path) -> None:
    out = tmp_path / "pkg" / "steadybot-teams.zip"
    result = run_build("--app-id", FAKE_GUID, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.is_file()

    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert archive.testzip() is None
        manifest_text = archive.read("manifest.json").decode("utf-8")
        color = archive.read("color.png")
        outline = archive.read("outline.png")

    manifest = json.loads(manifest_text)
    assert manifest["id"] == FAKE_GUID
    assert manifest["bots"][0]["botId"] == FAKE_GUID
    assert PLACEHOLDER not in manifest_text and "${{" not in manifest_text
    assert png_size(color) == (192, 192)
    assert png_size(outline) == (32, 32)
    assert color == (TEAMS / "color.png").read_bytes()
    assert outline == (TEAMS / "outline.png").read_bytes()


def test_build_package_reads_the_environment(tmp_path: Path) -> None:
    out = tmp_path / "env.zip"
    result = run_build("--out", str(out), app_id_env=FAKE_GUID.upper())
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == manifest["bots"][0]["botId"] == FAKE_GUID.upper()


def test_build_package_is_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    assert run_build("--app-id", FAKE_GUID, "--out", str(first)).returncode == 0
    assert run_build("--app-id", FAKE_GUID, "--out", str(second)).returncode == 0
    assert first.read_bytes() == second.read_bytes()


def test_build_package_without_app_id_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "none.zip"
    result = run_build("--out", str(out))
    assert result.returncode == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "MICROSOFT_APP_ID" in message and "--app-id" in message
    assert not out.exists()


@pytest.mark.parametrize(
    "bad_id",
    ["not-a-guid", "3f2504e0-4f89-41d3-9a0c-0305e82c330", "{3f2504e0-4f89-41d3-9a0c-0305e82c3301}", "x" * 36],
)
def test_build_package_with_invalid_app_id_exits_2(tmp_path: Path, bad_id: str) -> None:
    out = tmp_path / "bad.zip"
    for result in (
        run_build("--app-id", bad_id, "--out", str(out)),
        run_build("--out", str(out), app_id_env=bad_id),
    ):
        assert result.returncode == 2
        message = result.stderr.strip()
        assert len(message.splitlines()) == 1
        assert "GUID" in message and bad_id in message
    assert not out.exists()


def test_build_package_default_output_path(tmp_path: Path) -> None:
    # Build from a copy of teams/ so the test leaves the working tree alone.
    src = tmp_path / "teams"
    shutil.copytree(TEAMS, src, ignore=shutil.ignore_patterns("build", "__pycache__"))
    result = subprocess.run(
        [sys.executable, str(src / "build_package.py"), "--app-id", FAKE_GUID],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (src / "build" / "steadybot-teams.zip").is_file()
    assert (TEAMS / ".gitignore").read_text(encoding="utf-8").splitlines().count("build/") == 1


def _broken_copy(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    src = tmp_path / "src"
    shutil.copytree(TEAMS, src, ignore=shutil.ignore_patterns("build", "__pycache__", "*.py"))
    return src, json.loads((src / "manifest.json").read_text(encoding="utf-8"))


def test_build_package_rejects_too_many_commands(tmp_path: Path) -> None:
    src, manifest = _broken_copy(tmp_path)
    commands = manifest["bots"][0]["commandLists"][0]["commands"]
    commands += [{"title": f"extra {n}", "description": "padding"} for n in range(11 - len(commands))]
    commands[0]["title"] = "t" * 33
    (src / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = run_build("--app-id", FAKE_GUID, "--src", str(src), "--out", str(tmp_path / "x.zip"))
    assert result.returncode == 1
    assert "11 commands (at most 10)" in result.stderr
    assert "title is 33 characters long (at most 32)" in result.stderr
    assert not (tmp_path / "x.zip").exists()


def test_build_package_rejects_wrong_icon_size(tmp_path: Path) -> None:
    src, _ = _broken_copy(tmp_path)
    shutil.copy(src / "outline.png", src / "color.png")
    result = run_build("--app-id", FAKE_GUID, "--src", str(src), "--out", str(tmp_path / "x.zip"))
    assert result.returncode == 1
    assert "32x32, must be 192x192" in result.stderr


def test_build_package_rejects_invalid_json(tmp_path: Path) -> None:
    src, _ = _broken_copy(tmp_path)
    (src / "manifest.json").write_text('{"manifestVersion": "1.16",', encoding="utf-8")
    result = run_build("--app-id", FAKE_GUID, "--src", str(src), "--out", str(tmp_path / "x.zip"))
    assert result.returncode == 1
    assert "not valid JSON" in result.stderr
