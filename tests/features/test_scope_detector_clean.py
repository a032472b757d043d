"""The detector's `_clean` runs each markup pattern only where its first character occurs (a backtick, a "<"):
the same text out as running every pattern on every message, for any input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.scope import detector as d


def every_pattern(text: str) -> str:
    text = d._CODE_FENCE.sub("\n", text)
    text = d._INLINE_CODE.sub(" ", text)
    text = d._BLOCKQUOTE.sub("\n", text)
    text = d._TEAMS_MENTION.sub(" ", text)
    text = d._SLACK_LINK.sub(lambda m: m.group(1) or " ", text)
    text = d._SLACK_MARKUP.sub(" ", text)
    text = d._HTML_TAG.sub(" ", text)
    if "&" in text:
        text = text.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&").replace("&nbsp;", " ")
        if "<" in text:
            text = d._SLACK_LINK.sub(lambda m: m.group(1) or " ", text)
            text = d._SLACK_MARKUP.sub(" ", text)
    if ">" in text:
        text = d._QUOTED_LINE.sub("", text)
    if "://" in text or d._WWW.search(text) is not None:
        text = d._URL.sub(" ", text)
    if "  " in text or "\t" in text or "\f" in text or "\v" in text:
        text = d._SPACES.sub(" ", text)
    return text


PIECES = ["`", "```", "<", ">", "</at>", "<at>Ana</at>", "<@U1>", "<#C1|general>", "<!here>", "<https://x.io|x>",
          "<mailto:a@b.c>", "<blockquote>", "</blockquote>", "<b>", "&lt;", "&gt;", "&amp;", "&nbsp;", "\n", " ",
          "  ", "\t", "www.", "https://", "can we also add", "export", ".", "?", "é", "👍",
          "#design", "@ana", "ana@example.com", "#add-sso-to-mvp"]

SAMPLES = ["", "plain words", "can we also add a CSV export?", "`code` and ```fenced\nblock``` done",
           "<@U1> can we also add <https://x.io|the export>?", "&lt;!channel&gt; one more thing", "<b>bold</b> ask",
           "> quoted line\nreal ask", "<blockquote>theirs</blockquote> mine", "<at>Ana</at> please also add it"]


def test_samples_match() -> None:
    for text in SAMPLES:
        assert d._clean(text) == every_pattern(text), text


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_any_mix_of_markup_matches(text: str) -> None:
    assert d._clean(text) == every_pattern(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>`@#!|:/&;abc. \n\t"))))
def test_any_text_of_markup_characters_matches(text: str) -> None:
    assert d._clean(text) == every_pattern(text)
