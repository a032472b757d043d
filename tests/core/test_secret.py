"""The server secret: where it comes from, the key file, derived keys and signed tokens."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.secret import KEY_FILE_NAME, Secret, SecretError, load_secret
from handlers.core.signing import Signer

LONG = "x" * 40


def test_value_from_the_environment_and_from_a_file(tmp_path: Path) -> None:
    assert load_secret(LONG, "postgresql://db/x").material == LONG.encode()
    key = tmp_path / "k"
    key.write_text(LONG + "\n")
    assert load_secret(f"file:{key}", "postgresql://db/x").material == LONG.encode()


def test_short_missing_or_unreadable_secrets_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="at least 32"):
        load_secret("short", "sqlite:///x.db")
    with pytest.raises(SecretError, match="PostgreSQL"):
        load_secret("", "postgresql://db/x")
    with pytest.raises(SecretError, match="cannot read"):
        load_secret(f"file:{tmp_path / 'missing'}", "sqlite:///x.db")


def test_sqlite_without_a_secret_creates_a_private_key_file_once(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'steadybot.db'}"
    first = load_secret("", url)
    path = tmp_path / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "created the key file" in caplog.text
    # the key is backed up apart from the database: a backup plus the key opens waiting answers and journals
    assert "apart from the database backups" in caplog.text and "secret manager" in caplog.text
    assert "Back it up with the database" not in caplog.text
    assert load_secret("", url) == first
    with pytest.raises(SecretError, match="no key file"):
        load_secret("", f"sqlite:///{tmp_path / 'other' / 'x.db'}", create=False)


def test_derived_keys_differ_by_purpose_and_signed_tokens_resist_tampering() -> None:
    secret = load_secret(LONG, "postgresql://db/x")
    assert secret.derive("answers") != secret.derive("actions")
    assert secret.fingerprint() == load_secret(LONG, "postgresql://db/x").fingerprint()
    signer = secret.signer("actions")
    token = signer.sign("meeting:7", purpose="agenda")
    assert signer.unsign(token, purpose="agenda") == "meeting:7"
    assert signer.unsign(token, purpose="report") is None
    assert secret.signer("reports").unsign(token, purpose="agenda") is None
    body, exp, mac = token.split(".")
    assert signer.unsign(f"{body[:-1]}A.{exp}.{mac}", purpose="agenda") is None
    assert signer.unsign(f"{body}.5.{mac}", purpose="agenda") is None
    for junk in (None, 7, "", "a.b", "a.b.c.d", "a.²³.c", "a." + "9" * 13 + ".c", "é.0.é"):
        assert signer.unsign(junk, purpose="agenda") is None


def test_expiring_tokens() -> None:
    signer = Signer(b"k" * 32)
    token = signer.sign("C1", purpose="report", expires_at=1000)
    assert signer.unsign(token, purpose="report", now=999) == "C1"
    assert signer.unsign(token, purpose="report", now=1000) is None


def test_serve_without_a_secret_on_postgresql_is_a_clear_start_up_error(monkeypatch: pytest.MonkeyPatch,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.delenv("STEADYBOT_SECRET", raising=False)
    monkeypatch.setattr("storage.migrate.upgrade", _no_upgrade)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "cannot start: STEADYBOT_SECRET is not set" in err and "Traceback" not in err


async def _no_upgrade(_: str) -> None:
    return None


def test_a_secret_shows_nothing_of_itself_and_derives_each_signer_once() -> None:
    material = b"s3cret-material-0123456789-0123456789"
    secret = Secret(material)
    assert "s3cret" not in repr(secret) and "s3cret" not in str(secret)
    links = secret.signer("reports")
    assert secret.signer("reports") is links  # derived once, then reused (a report link asks for it per link)
    assert secret.signer("actions") is not links and secret.signer("actions").key != links.key
    token = links.sign("C1", purpose="report")
    assert Secret(material).signer("reports").unsign(token, purpose="report") == "C1"  # another replica reads it
    assert Secret(material).signer("actions").unsign(token, purpose="report") is None


@pytest.mark.parametrize(("url", "folder"), [
    ("sqlite:///steadybot.db", "."), ("sqlite:///data/steadybot.db", "data"),
    ("sqlite:///my%20data/steadybot.db", "my%20data"),  # as written: installs keep their key there
    ("sqlite:///data/x.db?uri=true&cache=shared", "data"), ("sqlite+aiosqlite:///a/b/x.db", "a/b"),
])
def test_the_key_files_folder_is_the_urls_path_as_written(url: str, folder: str) -> None:
    """Reading the URL as the engine does (escapes decoded) would move an existing install's key file, and the
    server would refuse its database as written under another secret."""
    from bot.secret import _sqlite_path

    path = _sqlite_path(url)
    assert path is not None and str(path.parent) == folder
