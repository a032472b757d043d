"""HMAC-SHA256 under one key, with the key's two padded blocks hashed once.

`hmac.digest(key, message, "sha256")` is the same function (RFC 2104), but each call sets the key up again:
OpenSSL 3 looks the MAC and the digest up in its provider tables and hashes both padded key blocks. A token's
MAC and a Slack request's signature are each one short message under a key that never changes, so this hashes
the two blocks when the key is given and, per message, copies those two SHA-256 states
(docs/benchmarks.md, "HMAC with its key set up once"). Same bytes out as `hmac.digest`: the tokens already
handed out and the other versions of steadybot running beside this one read each other's MACs
(tests/core/test_macs.py).
"""

from __future__ import annotations

import hashlib

BLOCK = 64  # SHA-256's block size in bytes
_IPAD = bytes(byte ^ 0x36 for byte in range(256))
_OPAD = bytes(byte ^ 0x5C for byte in range(256))


class HmacSha256:
    """The MAC of many messages under one key; safe to share between tasks and threads (it only copies)."""

    __slots__ = ("_key", "_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        self._key = bytes(key)  # for `__reduce__` alone: a copy or pickle of its owner (a `Signer`) still works
        if len(key) > BLOCK:
            key = hashlib.sha256(key).digest()  # RFC 2104: a key longer than a block is hashed first
        block = key.ljust(BLOCK, b"\0")
        self._inner = hashlib.sha256(block.translate(_IPAD))
        self._outer = hashlib.sha256(block.translate(_OPAD))

    def __reduce__(self) -> tuple[type[HmacSha256], tuple[bytes]]:
        return HmacSha256, (self._key,)  # hashlib's states cannot be pickled or deep-copied; the key can

    def __repr__(self) -> str:
        return "HmacSha256(<key>)"  # the states are as good as the key: never shown

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()
