"""`clean` (handlers/core/text.py) against the character-by-character definition it replaced: the same output
for any text, ASCII or not. It runs on every chat message several times (the parser, the watcher, the
quote), so it takes C-speed paths where the answer is known (docs/benchmarks.md, "Cheaper steps per chat
message")."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.core.text import clean, one_line


def reference(text: object, limit: int = 4000) -> str:
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text[: limit * 4])
    out: list[str] = []
    for ch in text:
        if ch == "\n":
            out.append("\n")
        elif ch in "\t\r\v\f":
            out.append(" ")
        elif unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} and ch not in "\u200d":
            continue
        else:
            out.append(ch)
    lines = [" ".join(line.split()) for line in "".join(out).split("\n")]
    return "\n".join(lines).strip()[:limit]


UGLY = [
    "", " ", "\n\n", "plain words", "tabs\tand\rreturns\vand\fforms", "a\x00b\x1fc\x7fd", "\x1c\x1d\x1e\x1f",
    "bell\x07 and escape\x1b[31m", "zero\u200bwidth", "joiner\u200d👩‍💻", "bidi \u202eevil\u202c", "nbsp\xa0here",
    "ｆｕｌｌｗｉｄｔｈ", "ﬁ ligature", "١٢٣ digits", "line\u2028sep\u2029para", "private \ue000", "unassigned \U000e0fff",
    "lone \ud800 surrogate", "soft\xadhyphen", "  many    spaces  \n  and lines \n", "ascii only, but long " * 300,
]


def test_ugly_inputs_match_the_definition() -> None:
    for text in UGLY:
        for limit in (3, 40, 4000):
            assert clean(text, limit) == reference(text, limit), (text[:40], limit)


def test_non_strings_are_empty() -> None:
    assert clean(None) == clean(42) == clean(["a"]) == ""


def test_controls_in_ascii_are_dropped_and_tabs_become_spaces() -> None:
    assert clean("a\tb\x00c\x7f\nd") == "a bc\nd"
    assert one_line("a\x1e\x1fb\n c") == "ab c"


@settings(max_examples=400, deadline=None)
@given(st.text(), st.integers(min_value=1, max_value=60))
def test_any_text_matches_the_definition(text: str, limit: int) -> None:
    assert clean(text, limit) == reference(text, limit)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127)), st.integers(min_value=1, max_value=60))
def test_any_ascii_matches_the_definition(text: str, limit: int) -> None:
    assert clean(text, limit) == reference(text, limit)
