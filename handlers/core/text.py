"""Cleaning what people type before the bot uses or echoes it."""

from __future__ import annotations

import re
import unicodedata

_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


def clean(text: object, limit: int = 4000) -> str:
    """NFKC-normalise, drop control/format characters (keeping newlines and tabs as spaces/newlines),
    collapse runs of spaces, and cut to `limit` characters. Accepts anything; non-strings become ""."""
    if not isinstance(text, str):
        return ""
    text = text[: limit * 4]
    # On every chat message's path, several times (docs/benchmarks.md#cheaper-steps-per-chat-message-issue-17-nineteenth-stop)
    if text.isascii():  # NFKC changes nothing in ASCII, and its only characters to drop are controls
        text = text.translate(_ASCII_KEPT)
    else:
        text = unicodedata.normalize("NFKC", text)
        if not text.isprintable():  # printable: no control, format, private or unassigned character in it
            text = "".join(_kept(ch) for ch in text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(lines).strip()[:limit]


def _kept(ch: str) -> str:
    """One character of `clean`'s text as it keeps it: itself, a space for a tab and the like, or nothing."""
    if ch == "\n":
        return ch
    if ch in "\t\r\v\f":
        return " "
    if unicodedata.category(ch) in _DROP_CATEGORIES and ch != "\u200d":
        return ""
    return ch


#: `_kept` for every ASCII character at once, as one `str.translate` table (its only drops are the controls).
_ASCII_KEPT = str.maketrans({chr(c): _kept(chr(c)) for c in range(128)})


def one_line(text: object, limit: int = 200) -> str:
    """Clean and fold onto a single line."""
    return " ".join(clean(text, limit * 2).split())[:limit]


def clip(text: str, limit: int = 30) -> str:
    """Shorten for quoting back to a person, safe to put inside `code` markup."""
    text = one_line(text, limit * 2).replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: Quotes a word may be typed in (`“help”`), and what may end a sentence after it (`stop.`, `results?`).
QUOTES = "\"'“”‘’„«»"
_TRAILING = ".!?…" + QUOTES
_NUMBER = re.compile(r"^#(\d+)$")


def bare_word(word: str) -> str:
    """A word without the quotes around it and the sentence punctuation after it: `“Help!”` → `Help`,
    `results?` → `results`; a word that is nothing but punctuation (`?`) stays as it is."""
    stripped = word.strip(QUOTES).rstrip(_TRAILING)
    return stripped or word


def without_trailing_punctuation(text: str) -> str:
    """`snooze off.` → `snooze off`, `cancel 1!` → `cancel 1`, `remove #1` → `remove 1`: the end of a
    command's words, never of free text (the caller decides which is which)."""
    words = text.rstrip(_TRAILING).split(" ")
    return " ".join(_NUMBER.sub(r"\1", w) for w in words).strip() or text
