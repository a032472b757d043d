"""Keys that never enter the database, for the two kinds of personal data that must be stored before the
anonymous rows exist:

- an answer awaiting its round's seal: AES-256-GCM under the "answers" key, the round id bound as associated
  data (a box cannot be moved to another round);
- a journal entry: AES-256-GCM under a key of its own per person (HKDF of the journal key and the person's
  platform and id), so one person's entries never decrypt under another's key.

Both plaintexts are padded to one fixed size (BUCKET) before they are encrypted: the length of a box says
nothing about the length of the comment inside, so a comment published after the seal cannot be lined up
with the box it came from (or with its author's journal box, which sits beside their user id) by its size.
BUCKET holds the largest body the bot writes: a comment may be 2 000 characters (the most the question file
allows, handlers/pulse/questions.py), which in UTF-8 JSON is at most 8 000 bytes (4 bytes a character: CJK
and emoji take 3–4; JSON escapes take 2; clean() drops the control characters JSON would write as 6). A
smaller bucket made the box of a long Chinese or emoji comment a multiple longer than every other box, and
so named its author. A body beyond BUCKET (none the bot writes) still pads to a multiple of it.

The storage layer gets these keys from the process (bot/runtime.py derives them from the server secret); it
never reads the environment itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

BUCKET = 8192  # ≥ the largest answer or journal body: see the module docstring
_NONCE = 12


class KeyMismatch(RuntimeError):
    """The database was written under another secret than the one this process was given."""


class BoxError(ValueError):
    """A box does not open under this key (another secret, or tampered bytes)."""


def _pad(data: bytes) -> bytes:
    size = max(BUCKET, -(-(len(data) + 1) // BUCKET) * BUCKET)
    return data + b" " * (size - len(data))  # trailing spaces: still one JSON document


@dataclass(frozen=True, slots=True)
class Vault:
    """The keys storage needs: `answers` (AES-GCM), `journal_root` (per-person journal keys are derived
    from it) and `fingerprint` (safe to store: shows at start-up whether the secret is the same one)."""

    answers: AESGCM
    journal_root: bytes
    fingerprint: str

    @staticmethod
    def from_material(material: bytes, fingerprint: str) -> Vault:
        """For tests and tools: a vault from raw key material (the bot passes keys derived from its secret)."""
        return Vault(AESGCM(_hkdf(material, b"aead:answers")), _hkdf(material, b"journal"), fingerprint)

    # ---- answers awaiting their seal ----------------------------------------------------------------
    def seal_answer(self, round_id: int, scores: tuple[int, ...], comment: str | None) -> bytes:
        body = json.dumps({"s": list(scores), "c": comment}, ensure_ascii=False, separators=(",", ":")).encode()
        nonce = os.urandom(_NONCE)
        return nonce + self.answers.encrypt(nonce, _pad(body), _aad("answer", str(round_id)))

    def open_answer(self, round_id: int, box: bytes) -> tuple[tuple[int, ...], str | None]:
        data = _open(self.answers, box, _aad("answer", str(round_id)))
        scores = tuple(int(s) for s in data["s"])
        comment = data.get("c")
        return scores, (str(comment) if comment else None)

    # ---- journal entries ----------------------------------------------------------------------------
    def _journal_key(self, platform: str, user_id: str) -> AESGCM:
        return AESGCM(_hkdf(self.journal_root, f"journal:{platform}:{user_id}".encode()))

    def seal_journal(self, platform: str, user_id: str, entry: dict[str, Any]) -> bytes:
        body = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
        nonce = os.urandom(_NONCE)
        return nonce + self._journal_key(platform, user_id).encrypt(nonce, _pad(body),
                                                                   _aad("journal", platform, user_id))

    def open_journal(self, platform: str, user_id: str, box: bytes) -> dict[str, Any]:
        return _open(self._journal_key(platform, user_id), box, _aad("journal", platform, user_id))


def _hkdf(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"steadybot/storage", info=info).derive(material)


def _aad(*parts: str) -> bytes:
    return "\x1f".join(("steadybot/v1", *parts)).encode()


def _open(cipher: AESGCM, box: bytes, aad: bytes) -> dict[str, Any]:
    box = bytes(box)
    try:
        plain = cipher.decrypt(box[:_NONCE], box[_NONCE:], aad)
    except InvalidTag:
        raise BoxError("this box does not open under the configured secret") from None
    data = json.loads(plain.decode())
    if not isinstance(data, dict):
        raise BoxError("unexpected box content")
    return data


_EPHEMERAL: list[Vault] = []


def ephemeral_vault() -> Vault:
    """A vault whose key lives only in this process (one per process): for tests and one-off tools that
    never need to open a box after a restart. The bot itself always passes the vault derived from its secret
    (bot/runtime.py); a box that does not open fails the seal loudly (the round stays unsealed), it is never
    dropped."""
    if not _EPHEMERAL:
        _EPHEMERAL.append(Vault.from_material(os.urandom(32), "ephemeral"))
    return _EPHEMERAL[0]
