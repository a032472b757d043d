"""The server's secret: where it comes from, and the keys derived from it.

`STEADYBOT_SECRET` holds the secret itself, or `file:<path>` names a file that holds it. Without it, a
single-process SQLite install (the demo, a first `serve`) gets a key file beside its database, created with
mode 0600 and announced in the log; PostgreSQL (several replicas) must be given the secret, since every
replica needs the same one. Each use gets its own key through HKDF, so a key for one purpose (encrypting
answers awaiting their seal) says nothing about another (signing buttons, report links).
"""

from __future__ import annotations

import logging
import os
import secrets as _secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from handlers.core.signing import Signer

log = logging.getLogger("steadybot.secret")

MIN_SECRET_CHARS = 32
KEY_FILE_NAME = "steadybot.key"


class SecretError(RuntimeError):
    """The secret is missing, unreadable or too short: a start-up error that says what to do."""


@dataclass(frozen=True, slots=True)
class Secret:
    material: bytes = field(repr=False)  # a logged secret shows nothing of itself
    #: One signer per purpose, derived the first time it is asked for (a report link asks for one per link).
    _signers: dict[str, Signer] = field(default_factory=dict, init=False, repr=False, compare=False)

    def derive(self, purpose: str, length: int = 32) -> bytes:
        """A key for one purpose ("answers", "actions", "reports", …)."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=b"steadybot/v1", info=purpose.encode())
        return hkdf.derive(self.material)

    def signer(self, purpose: str) -> Signer:
        signer = self._signers.get(purpose)
        if signer is None:
            signer = self._signers[purpose] = Signer(self.derive(f"sign:{purpose}"))
        return signer

    def aead(self, purpose: str) -> AESGCM:
        """Authenticated encryption (AES-256-GCM) under the key for `purpose`."""
        return AESGCM(self.derive(f"aead:{purpose}"))

    def fingerprint(self) -> str:
        """A value safe to store in the database that shows, at start-up, whether the secret is the same one."""
        return self.derive("fingerprint", 16).hex()


def _sqlite_path(database_url: str) -> Path | None:
    """Where the key file's folder is looked for: the URL's path as written (its %-escapes and any query kept, so
    a folder may be named `my%20data`). Installs have their key there; reading the URL as the engine does would
    move it, and the server would then refuse the database as written under another secret."""
    for prefix in ("sqlite+aiosqlite:///", "sqlite:///"):
        if database_url.startswith(prefix):
            rest = database_url[len(prefix):]
            return None if not rest or rest == ":memory:" else Path(rest)
    return None


def _read_file(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretError(f"cannot read the key file {path}: {exc.strerror or exc}") from None
    if len(text) < MIN_SECRET_CHARS:
        raise SecretError(f"the key file {path} holds fewer than {MIN_SECRET_CHARS} characters")
    return text.encode("utf-8")


def load_secret(value: str, database_url: str, *, create: bool = True) -> Secret:
    """The secret from `STEADYBOT_SECRET` (`value`), or the key file beside an SQLite database.

    With no value and an SQLite database, the key file `steadybot.key` beside it is read, or created (mode
    0600) when `create` is true. Anything else without a value is a SecretError that says what to set.
    """
    value = value.strip()
    if value.startswith("file:"):
        return Secret(_read_file(Path(value[len("file:"):]).expanduser()))
    if value:
        if len(value) < MIN_SECRET_CHARS:
            raise SecretError(f"STEADYBOT_SECRET must be at least {MIN_SECRET_CHARS} characters "
                              "(e.g. the output of `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
        return Secret(value.encode("utf-8"))
    db_path = _sqlite_path(database_url)
    if db_path is None:
        raise SecretError("STEADYBOT_SECRET is not set: PostgreSQL installs (several replicas) must share one "
                          "secret through the environment, e.g. STEADYBOT_SECRET=$(python -c 'import secrets; "
                          "print(secrets.token_urlsafe(48))') or STEADYBOT_SECRET=file:/run/secrets/steadybot")
    key_path = db_path.resolve().parent / KEY_FILE_NAME
    if key_path.exists():
        return Secret(_read_file(key_path))
    if not create:
        raise SecretError(f"STEADYBOT_SECRET is not set and there is no key file at {key_path}")
    key_path.parent.mkdir(parents=True, exist_ok=True)
    text = _secrets.token_urlsafe(48)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    log.warning("STEADYBOT_SECRET is not set: created the key file %s (mode 0600). Back it up apart from the "
                "database backups, e.g. in a secret manager: whoever holds a backup and this key can open the "
                "answers that were awaiting their round's seal when the backup was taken, and every /pulse me "
                "journal. Losing it loses exactly those (plus Slack tokens kept by OAuth installs: those "
                "workspaces install again), and the bot will not start on this database with another key.",
                key_path)
    return Secret(text.encode("utf-8"))
