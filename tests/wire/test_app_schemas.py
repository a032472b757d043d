"""The app packages against the platforms' own published schemas (shipped in tests/data/schemas, sources
in tests/data/README.md): the Teams app manifest schema of the version manifest.json declares, and Slack's
app manifest schema."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "tests" / "data" / "schemas"
TEAMS = ROOT / "teams"
FAKE_GUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def _teams_schema(version: str) -> dict[str, Any]:
    path = SCHEMAS / f"MicrosoftTeams.v{version}.schema.json"
    assert path.is_file(), f"no official Teams schema for manifest version {version} in {SCHEMAS}"
    return json.loads(path.read_text(encoding="utf-8"))


def _errors(validator: jsonschema.protocols.Validator, document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]


def _build(tmp_path: Path, src: Path = TEAMS) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(TEAMS / "build_package.py"), "--app-id", FAKE_GUID,
                           "--out", str(tmp_path / "pkg.zip"), "--src", str(src)],
                          capture_output=True, text=True, timeout=60, check=False)


def test_built_teams_package_passes_the_official_schema_of_its_declared_version(tmp_path: Path) -> None:
    result = _build(tmp_path)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "pkg.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    version = manifest["manifestVersion"]
    assert manifest["$schema"].endswith(f"/teams/v{version}/MicrosoftTeams.schema.json")
    schema = _teams_schema(version)
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    assert _errors(validator, manifest) == []
    assert "groupChat" in manifest["bots"][0]["scopes"]


def test_the_schema_itself_refuses_the_lowercase_group_chat_scope() -> None:
    manifest = json.loads((TEAMS / "manifest.json").read_text(encoding="utf-8").replace("${{MICROSOFT_APP_ID}}",
                                                                                         FAKE_GUID))
    manifest["bots"][0]["scopes"] = ["personal", "team", "groupchat"]
    errors = _errors(jsonschema.Draft4Validator(_teams_schema(manifest["manifestVersion"])), manifest)
    assert any("'groupchat' is not one of" in e for e in errors), errors


@pytest.mark.parametrize("where", ["bot", "command_list"])
def test_build_package_rejects_the_lowercase_group_chat_scope(tmp_path: Path, where: str) -> None:
    src = tmp_path / "src"
    src.mkdir()
    manifest = json.loads((TEAMS / "manifest.json").read_text(encoding="utf-8"))
    if where == "bot":
        manifest["bots"][0]["scopes"] = ["personal", "team", "groupchat"]
    else:
        manifest["bots"][0]["commandLists"][1]["scopes"] = ["team", "groupchat"]
    (src / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for icon in ("color.png", "outline.png"):
        (src / icon).write_bytes((TEAMS / icon).read_bytes())
    result = _build(tmp_path, src)
    assert result.returncode == 1
    assert "'groupchat' must be spelt 'groupChat'" in result.stderr
    assert not (tmp_path / "pkg.zip").exists()


def _slack_validator() -> jsonschema.protocols.Validator:
    """Slack's top-level schema picks the versioned one by `_metadata.major_version`; its $refs name the
    versioned files by their raw GitHub URLs, served here from the shipped copies (no network)."""
    top = json.loads((SCHEMAS / "slack-manifest.schema.json").read_text(encoding="utf-8"))
    refs = {one["$ref"] for branch in top["oneOf"] for one in branch["allOf"] if "$ref" in one}
    resources = []
    for ref in refs:
        name = "slack-" + ref.rsplit("/", 1)[1]  # …/schemas/manifest.schema.1.0.0.json
        contents = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        resources.append((ref, Resource.from_contents(contents, default_specification=DRAFT7)))
    assert len(resources) == 2
    return jsonschema.Draft7Validator(top, registry=Registry().with_resources(resources))


def test_slack_manifest_passes_slacks_published_schema() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert "_metadata" not in manifest  # so Slack's schema applies its 1.0.0 manifest schema
    assert _errors(_slack_validator(), manifest) == []
    assert {"app_uninstalled", "tokens_revoked"} <= set(manifest["settings"]["event_subscriptions"]["bot_events"])


def test_slack_schema_catches_a_wrong_manifest() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    manifest["features"]["slash_commands"][0]["command"] = "pulse"  # no leading slash
    assert _errors(_slack_validator(), manifest) != []
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    manifest["settings"]["interactivity"]["is_enabled"] = "yes"
    assert _errors(_slack_validator(), manifest) != []
