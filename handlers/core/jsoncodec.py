"""Compact JSON through orjson, with the standard library's result wherever the two would differ.

Every pulse DM is encoded (its chat.postMessage body, its buttons' seals, its outbox columns) and its answer
decoded; the standard library spent about a tenth of a fan-out's CPU there (docs/benchmarks.md, "JSON through
orjson"). `dumps` writes the text of `json.dumps(value, ensure_ascii=False, separators=(",", ":"))` for strings,
integers, booleans, null, lists and dicts; for what orjson refuses (an integer past 64 bits, a key that is not
a string, a date, a dataclass) it falls back to that call, so those encode, or raise, as before. A string
holding a lone surrogate (which UTF-8 cannot carry) comes out escaped, as `json.dumps` with its default
`ensure_ascii` writes it, so the text always encodes to UTF-8. Where the text differs, the value read back is
the same: a float may be written another way (`1e-7` for `1e-07`). Not the same value, and so avoided: a float
NaN or infinity becomes `null` (the standard library writes `NaN`, which is not JSON), on the fallback's path
too; a plain `Enum` member or a `UUID` is written (its value, its string) where the standard library raises
`TypeError`.

`loads` reads what `json.loads` reads: a document orjson refuses (`NaN`, invalid UTF-8 …) or might read
differently (an integer past 64 bits, which orjson turns into a float: any run of 19 digits) goes to
`json.loads`, which raises `ValueError` for what is not JSON at all.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

#: orjson writes datetimes and dataclasses itself; the standard library refuses them. Refused here too.
_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
#: 19 digits in a row may be an integer past 64 bits, which orjson would read as a float: the standard library
#: reads those documents (a few ids and timestamps that long cost a slower read, never a wrong one). Found by
#: turning every digit into "0" and every other byte into " ": a tenth of a regular expression's time.
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"0" * 19
_unicode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ascii = json.JSONEncoder(separators=(",", ":")).encode


def _finite(value: Any, active: set[int]) -> Any:
    """`value` with every float NaN or infinity as None, as orjson writes them (`null`), where the standard
    library would write `NaN`, which is not JSON. A circular reference raises as the standard library does."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if not isinstance(value, (dict, list, tuple)):
        return value
    if id(value) in active:
        raise ValueError("Circular reference detected")
    active.add(id(value))
    try:
        if isinstance(value, dict):
            return {key: _finite(item, active) for key, item in value.items()}
        return [_finite(item, active) for item in value]
    finally:
        active.discard(id(value))


def _fallback(value: Any) -> bytes:
    value = _finite(value, set())
    try:
        return _unicode(value).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only its escape is valid UTF-8
        return _ascii(value).encode("ascii")


def dumps_bytes(value: Any) -> bytes:
    """`value` as compact UTF-8 JSON."""
    try:
        return orjson.dumps(value, option=_STRICT)
    except TypeError:  # orjson.JSONEncodeError
        return _fallback(value)


def dumps(value: Any) -> str:
    """`value` as compact JSON text, non-ASCII characters as they are."""
    return dumps_bytes(value).decode("utf-8")


def loads(data: str | bytes) -> Any:
    """The value a JSON document holds; `ValueError` when it is not JSON."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    if _LONG_RUN not in raw.translate(_DIGITS):
        try:  # the bytes already made: orjson would encode a str to UTF-8 again (a lone surrogate: refused)
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)
