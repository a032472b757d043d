"""Scope-creep detection: a small, explainable, fast classifier for chat messages.

A message is split into sentences; every sentence gets a score from weighted features (additive phrases,
request modals, additive adverbs, additive verbs, committed-work targets, feature nouns, people who ask for
things, minimisers) minus negative features (social talk, meeting logistics, scope reductions, bug/status
vocabulary, past-tense status, questions about existing work, negations). The best sentence, plus a little
context from the rest of the message, decides. Everything is standard library and pure: no state, no I/O.

Usage::

    d = detect("while we're at it, can we also add a csv export to the release?")
    if d.is_scope_creep:
        reply(f'> {d.quote}\\nHappy to — what do we drop?')
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from handlers.scope.sensitivity import SENSITIVITIES, THRESHOLDS, score_needed

__all__ = ["SENSITIVITIES", "THRESHOLDS", "Detection", "detect"]

#: raw input beyond this is ignored (Slack caps messages at 40k characters; a real ask is near the start)
MAX_INPUT_CHARS = 8_000
#: of the cleaned text, at most this many characters, this many sentences, each cut to this length, are scored
MAX_PROSE_CHARS = 3_000
MAX_SENTENCES = 20
MAX_SENTENCE_CHARS = 400
QUOTE_MAX = 120


@dataclass(frozen=True, slots=True)
class Detection:
    is_scope_creep: bool
    score: float  # higher = more likely
    threshold: float
    reasons: tuple[str, ...]  # features that fired, e.g. ("additive word: 'also'", "target: release")
    quote: str  # a short (<= 120 chars) excerpt of the triggering sentence, for the bot to quote back


# ----------------------------------------------------------------------------------------------------------
# Text clean-up
# ----------------------------------------------------------------------------------------------------------

_QUOTE_CHARS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": " - ",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2028": "\n",
        "\u2029": "\n",
    }
)

_CODE_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_SLACK_MARKUP = re.compile(r"<[@#!][^>\n]{0,200}>")  # <@U123>, <#C123|general>, <!here>, <!subteam^S1>
_SLACK_LINK = re.compile(r"<(?:https?|mailto|ftp):[^<>|\n]{0,500}(?:\|([^<>\n]{0,300}))?>")
_TEAMS_MENTION = re.compile(r"<at\b[^<>]{0,200}>[^<]{0,200}</at>", re.IGNORECASE)
_BLOCKQUOTE = re.compile(r"<blockquote\b.*?(?:</blockquote>|\Z)", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]{0,15}(?:\s[^<>]{0,300})?/?>")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_WWW = re.compile(r"www\.", re.IGNORECASE)
_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
_SPACES = re.compile(r" [ \t\f\v]+|[\t\f\v][ \t\f\v]*")  # runs to collapse (a lone space stays as it is)
# The leading lookahead only lets the alternatives be tried where a split can start (whitespace, ";", or
# right after ".!?"): the same splits, several times faster on long text.
_SENTENCE_SPLIT = re.compile(
    r"(?=[\s;]|(?<=[.!?]))(?:(?<=[.!?])[\"')\]]*\s+|\s*\n+\s*|\s*;\s*|\s+-\s+(?=\w)|(?<=\?)(?=\S))")


# Control and format characters seen in chat (bidi overrides, zero-width, BOM, soft hyphen, tags, surrogates).
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
    "\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]+"
)
_NON_ASCII_RUN = re.compile(r"[^\x20-\x7e\n\t]+")
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _drop_odd(match: re.Match[str]) -> str:
    run = match.group(0)
    if run.isprintable():  # emoji, accents, CJK: keep as they are
        return run
    return "".join(ch for ch in run if unicodedata.category(ch) not in _DROP_CATEGORIES)


def _normalise(text: str) -> str:
    """NFKC, straight quotes, no control/format characters (newlines and tabs survive)."""
    text = _CONTROL.sub("", unicodedata.normalize("NFKC", text)).translate(_QUOTE_CHARS)
    if text.isascii():
        return text
    return _NON_ASCII_RUN.sub(_drop_odd, text)


def _clean(text: str) -> str:
    """Remove what is not the author's own prose: code, links, mentions, quotes, markup."""
    # Each pattern only runs where it can change something (most messages have no code and no markup): on a
    # long paste each would be a full scan, and on every message a call the reply waits for.
    if "`" in text:
        text = _CODE_FENCE.sub("\n", text)
        text = _INLINE_CODE.sub(" ", text)
    if "<" in text:
        text = _BLOCKQUOTE.sub("\n", text)
        text = _TEAMS_MENTION.sub(" ", text)
        text = _SLACK_LINK.sub(lambda m: m.group(1) or " ", text)
        text = _SLACK_MARKUP.sub(" ", text)
        text = _HTML_TAG.sub(" ", text)
    if "&" in text:
        text = text.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&").replace("&nbsp;", " ")
        if "<" in text:  # `&lt;!channel&gt;` typed as text is `<!channel>` now: never quote it back live
            text = _SLACK_LINK.sub(lambda m: m.group(1) or " ", text)
            text = _SLACK_MARKUP.sub(" ", text)
    if ">" in text:
        text = _QUOTED_LINE.sub("", text)
    if "://" in text or _WWW.search(text) is not None:
        text = _URL.sub(" ", text)
    if "  " in text or "\t" in text or "\f" in text or "\v" in text:
        text = _SPACES.sub(" ", text)
    return text


def _sentences(text: str) -> list[str]:
    """The first MAX_SENTENCES sentences with letters in them. Found one split at a time, so a long paste
    (a stack trace is a sentence a line) stops being read once enough sentences are found."""
    out: list[str] = []
    text = text[:MAX_PROSE_CHARS]
    start = 0
    for split in _SENTENCE_SPLIT.finditer(text):
        if _keep(text[start:split.start()], out):
            return out
        start = split.end()
    _keep(text[start:], out)
    return out


def _keep(part: str, out: list[str]) -> bool:
    """Add a sentence if it has letters; True once there are enough."""
    part = part.strip(" \t-,:")
    if part and any(ch.isalpha() for ch in part):
        out.append(part[:MAX_SENTENCE_CHARS])
    return len(out) >= MAX_SENTENCES


# ----------------------------------------------------------------------------------------------------------
# Features. Each is (label, weight, compiled pattern). Patterns run on lower-cased, cleaned sentences.
# ----------------------------------------------------------------------------------------------------------


def _rx(pattern: str) -> re.Pattern[str]:
    # Sentences are lower-cased before matching; IGNORECASE would make these alternations much slower.
    return re.compile(pattern)


_WE = r"(?:we|you|u|ya|they|i)"
_BE = r"(?:'re|re| are|'m| am|r)"

# Phrases that on their own say "more work on top of what is planned".
ADDITIVE_PHRASES: re.Pattern[str] = _rx(
    r"\b(?:"
    rf"while {_WE}{_BE} (?:at it|in there|there|touching|working on|in that|doing that|on it)"
    rf"|while {_WE}{_BE}? ?at it|since {_WE}{_BE} (?:touching|in there|changing|already|there)"
    r"|would(?:n'?t| not) it be (?:cool|nice|great|awesome|neat|good)"
    r"|(?:it )?(?:would|'d|d) be (?:nice|cool|great|awesome|good|neat) (?:to also|if (?:we|it|you|the)\b)"
    r"|one more (?:feature|thing to add|request|ask|model|experiment|baseline|seed)"
    r"|quick (?:addition|add|ask|request)|small (?:ask|addition|request)|tiny (?:ask|request|addition|change)"
    r"|just a (?:tiny|small|quick) (?:change|tweak|addition)"
    r"|should(?:n'?t| not) (?:take (?:long|much)|be (?:hard|much|too hard|a big deal|difficult))"
    r"|(?:might|may) as well(?! (?:grab|get|go|head|take a break))"
    r"|in the same (?:release|pr|sprint|ticket|version|deploy|change|milestone)"
    r"|extend (?:it|this|that|the \w+) (?:to|so)|expand (?:it|this|that|the \w+(?: \w+)?) to"
    r"|asked (?:if|whether) (?:we|you|the \w+) (?:could|can|would)"
    r"(?= (?:also )?(?:include|add|support|have|get|do|make)\b)"
    r"|throw in|sneak (?:in|it in|that in)|squeeze (?:in|it in|that in)|tack on|bolt on"
    r"|fit (?:it|that|this|them) in(?:to)?\b|fold (?:the |this |that |it )?[\w -]{0,40} into"
    r"|before (?:we|you) ship,? (?:can|could|should)|any (?:chance|way) (?:we|you) (?:could|can)"
    r"|what if (?:we|it|the \w+|\w+)(?= (?:also )?(?:had|could|supported|did|added|was|were|showed)\b)"
    r"|how hard would it be|is there room"
    r"|bonus points if|adding to the ask"
    r"|also make it|make it \w+ (?:too|as well)"
    r"|(?:client|customer|pm|product|sales|leadership|vp|ceo|cto|legal|marketing|finance|stakeholders?|they)"
    r" (?:also )?(?:wants?|would (?:like|love)|(?:is|are|keeps?) asking for|asked (?:for|that we)|requested"
    r"|needs?)"
    r")"
)

# Discourse markers that often, but not always, introduce an extra ask ("one more thing, the build is red").
SOFT_PHRASES: re.Pattern[str] = _rx(
    r"\b(?:one more thing|one small thing|small thing|quick one|just a (?:tiny |small |quick )?thing"
    r"|on top of (?:the|that|this|it)|if we have (?:time|capacity|bandwidth)|random idea|new request|idea:)"
)

REQUEST_MODALS: re.Pattern[str] = _rx(
    r"\b(?:can|could|cud|cn) (?:we|you|u|ya|the \w+(?: (?!also\b)\w+)?)\b|\blet'?s\b|\bshould we\b"
    r"|\bwe (?:should|need to|must|could|might want to|gotta)\b|\bi think we should\b"
    r"|\bwould it be possible\b|\bhow about\b|\bwhat about\b|\bwhy don'?t we\b|\bany (?:way|chance)\b"
    r"|\bi'?d (?:love|like) (?:to see|to have|us to)\b|\bwe'?d (?:love|like)\b|\bit'?d be great\b"
    r"|\bis it possible\b|\bpls\b|\bplease\b|\bplz\b|\bi'?d add\b|\bwant(?:s)? (?:us to|to add)\b"
    r"|\bthey(?:'d| would)? (?:also )?(?:want|need|love|like)\b|\bneeds?\b|\bmaybe we\b"
    r"|\bfeels like we should\b"
)

ADDITIVE_ADVERBS: re.Pattern[str] = _rx(
    r"\b(?:also|too|as well|additionally|in addition|on top|another|one more|extra|plus|bonus"
    r"|more (?:seeds|models|baselines))\b"
)

STRONG_VERBS: re.Pattern[str] = _rx(
    r"\b(?:add(?!ed\b|s\b)(?:ing)?|include|support(?:ed|ing)?|extend|expand|integrate|implement|wire up"
    r"|hook up|throw in)\b"
)

WEAK_VERBS: re.Pattern[str] = _rx(
    r"\b(?:build|ship|handle|accept|return|sync|track|log|retrain|rerun|run|migrate|make(?! sure)|have|get|do"
    r"|allow|enable|offer|cover|predict|use|compare|break down|summari[sz]e|send|email|show|post)\b"
)

# Verbs that act on a person or on existing artefacts rather than adding work.
PERSON_OBJECT: re.Pattern[str] = _rx(
    r"\badd (?:me|him|her|them|us|you)\b"
    r"|\badd \w+ to (?:the )?(?:channel|reviewers|thread|call|invite|list|group|meeting)\b"
)

TARGETS: re.Pattern[str] = _rx(
    r"\b(?:release|sprint|mvp|deliverable|scope|milestone|launch|v\d(?:\.\d+)*|\d\.\d+"
    r"|this (?:ticket|pr|epic|story|issue|iteration)|the (?:same )?pr|epic|demo|deadline|submission|paper"
    r"|board deck|ga|go-live"
    r"|before (?:we (?:ship|present|freeze|lock|send)|friday|monday|thursday|the \w+)|q\d)\b"
)

FEATURE_NOUNS: re.Pattern[str] = _rx(
    r"\b(?:feature|option|support|endpoint|dashboard|export|import|integration|toggle|button|page|screen"
    r"|report|model|pipeline|metric|experiment|baseline|ablation|eval|filter(?:ing)?|view|flag|widget|api"
    r"|mode"
    r"|panel|plot|chart|table|sorting|search|notifications?|webhooks?|email|sso|saml|oauth|i18n|translations?"
    r"|version|format|cli|landing page|audit log|seeds?|sweep|checkpoints?|ensemble|split|column|role"
    r"|dark mode|csv|xlsx|json|pdf|backfill|embeddings?|onboarding|workflow|flow|region|language)s?\b"
)

REQUESTERS: re.Pattern[str] = _rx(
    r"\b(?:client|customer|customers|pm|product|sales|leadership|vp|ceo|cto|legal|marketing|finance"
    r"|stakeholders?|users (?:keep|are) asking|reviewers will|people would love|asked for it)\b"
)

MINIMISERS: re.Pattern[str] = _rx(
    r"\b(?:quick|small|tiny|trivial|easy|simple|just|nit|minor|\d+ min(?:ute)?s?(?: of work)?"
    r"|(?:like )?\d+ lines|one-liner|shouldn'?t be much|should be (?:quick|easy|trivial|simple))\b"
)

# ---- negative features ----

SOCIAL: re.Pattern[str] = _rx(
    r"\b(?:coffee|lunch|dinner|breakfast|brunch|beers?|drinks|party|pizza|snacks|cake|birthday|offsite"
    r"|happy hour|game night|board game|farewell|welcome lunch|boba|t-?shirts|swag|hackathon|celebrate"
    r"|all hands|team building|karaoke|bbq|potluck|donuts|happy friday|good morning|weekend)\b"
)

LOGISTICS: re.Pattern[str] = _rx(
    r"\b(?:(?:quick |hop on a |jump on a |a )call|meet(?:ing)?|chat about|sync(?! contacts)|1:1|one-on-one"
    r"|agenda|standup|retro(?: board)?|book the|(?:big|meeting|conference) room|calendar|invite|appointment"
    r"|ooo|out of office|slides|shared drive|timebox)\b"
)

REDUCTIONS: re.Pattern[str] = _rx(
    r"\b(?:drop(?:ping|ped)?|cut(?:ting)?|remov(?:e|ing|ed)|descop(?:e|ing|ed)|de-scope"
    r"|deprioriti[sz](?:e|ing|ed)|defer(?:ring|red)?|postpon(?:e|ing|ed)|punt(?:ing|ed)?|kill(?:ing)?"
    r"|scope (?:it |this |that )?down|not doing|backlog|parking lot|park(?:ing)? (?:it|the|this|that)"
    r"|moved? (?:it |the \w+ )?to (?:next|the next|v\d|later)"
    r"|push (?:the \w+(?: \w+)? |it |that )?to (?:v\d|next|later)|out of scope|take (?:the \w+ |it )?out"
    r"|no more (?:additions|features|scope)|nothing (?:else|new)|not take anything|anything new goes"
    r"|for later|until after|not in the \w+ anymore|focus on the core|frozen|freeze starts)\b"
)

BUG_STATUS: re.Pattern[str] = _rx(
    r"\b(?:bugs?|broken|broke|error|errors|exception|exceptions|crash(?:ed|es|ing)?|fixed|fix(?:es)?|merged"
    r"|deployed|done|blocked|blocker|blockers|failing|fails|(?:has|have|had|it|job|run|build|tests?) failed"
    r"|flaky|pr is up|is up for|standup|again|is red|red build|regress(?:es|ion)"
    r"|oom|nan|timeouts?|500|403|404|keyerror|sentry|repro|leak(?:ing|ed)?|corrupted|incident|slow|rebased"
    r"|on track|eta|is live|is running|green|ready for review|in the sheet|link in the thread|was a)\b"
)

PAST_STATUS: re.Pattern[str] = _rx(
    r"\b(?:i|we)(?: also| just)? (?:added|finished|fixed|shipped|merged|deployed|updated|cleaned|migrated"
    r"|reran|wrote|built|pushed|uploaded|hit)\b"
    r"|^(?:added|finished|fixed|shipped|merged|deployed|updated|migrated|reran|rebased|done)\b"
    r"|\b(?:finished|shipped|uploaded|reran|migrated)\b"
)

INFO_REQUESTS: re.Pattern[str] = _rx(
    r"\b(?:(?<!love to )(?<!like to )see|share|send me|review|check|double check|confirm|look at|take a look"
    r"|cc|access|explain|walk me through|put the|logs|(?:the |what'?s the )status|status (?:of|update)|link"
    r"|make sure|ensure)\b"
    r"|^(?:did|does|is(?! there room)|are|was|were|which|where|who|how does|what'?s|do we|anyone)\b"
)

NEGATIONS: re.Pattern[str] = _rx(
    r"\b(?:let'?s not|don'?t add|not (?:to )?add|decided not|no more|won'?t|not now|nothing else"
    r"|shouldn'?t add|no new)\b"
)

# Short names for target hits in the reasons ("this pr" -> "PR"); other hits are shown as they matched.
_TARGET_NAMES: dict[str, str] = {"mvp": "MVP", "pr": "PR", "ga": "GA", "epic": "epic", "ticket": "ticket"}

_POSITIVE_FEATURES: tuple[tuple[str, float, re.Pattern[str]], ...] = (
    ("additive phrase", 2.5, ADDITIVE_PHRASES),
    ("soft phrase", 1.5, SOFT_PHRASES),
    ("request", 1.0, REQUEST_MODALS),
    ("additive word", 1.0, ADDITIVE_ADVERBS),
    ("adds", 1.25, STRONG_VERBS),
    ("does", 0.5, WEAK_VERBS),
    ("target", 1.0, TARGETS),
    ("feature", 0.5, FEATURE_NOUNS),
    ("asked for by", 0.75, REQUESTERS),
    ("minimiser", 0.5, MINIMISERS),
)
_NEGATIVE_FEATURES: tuple[tuple[str, float, re.Pattern[str]], ...] = (
    ("social", -3.0, SOCIAL),
    ("logistics", -1.5, LOGISTICS),
    ("reduction", -3.0, REDUCTIONS),
    ("bug/status", -1.5, BUG_STATUS),
    ("past-tense status", -1.5, PAST_STATUS),
    ("question about existing work", -1.5, INFO_REQUESTS),
    ("negation", -3.0, NEGATIONS),
    ("adds a person", -2.0, PERSON_OBJECT),
)

_FEATURES = _POSITIVE_FEATURES + _NEGATIVE_FEATURES
_WEIGHTS: dict[str, float] = {kind: weight for kind, weight, _ in _FEATURES}
# How much of a feature found elsewhere in the message (not in the best sentence) still counts, and which do.
_CONTEXT_SHARE = 0.5
_CONTEXT_LABELS = frozenset({"target", "asked for by", "minimiser", "social", "reduction", "bug/status"})
_CONTEXT_FEATURES = tuple(feature for feature in _FEATURES if feature[0] in _CONTEXT_LABELS)
# One scan each for "is anything additive here" (the same answer as the four additive features one by one) and
# "is any context feature here".
_ANY_ADDITIVE = _rx("|".join(p.pattern for p in (ADDITIVE_PHRASES, SOFT_PHRASES, STRONG_VERBS, ADDITIVE_ADVERBS)))
_ANY_CONTEXT = _rx("|".join(pattern.pattern for _, _, pattern in _CONTEXT_FEATURES))


def _label(kind: str, hit: str) -> str:
    hit = " ".join(hit.split())
    if kind == "target":
        words = hit.split()
        return f"target: {_TARGET_NAMES.get(words[-1], hit) if words else hit}"
    if not _WEIGHTS[kind] < 0:
        return f"{kind}: '{hit}'"
    return f"against ({kind}): '{hit}'"


def _score_sentence(lower: str) -> tuple[float, list[str], dict[str, str]]:
    # Most sentences of a long message have nothing additive and no context in them: two scans say so,
    # where scoring them feature by feature takes ten.
    if _ANY_ADDITIVE.search(lower) is None:
        if _ANY_CONTEXT.search(lower) is None:
            return 0.0, [], {}
        return _score_features(lower, _CONTEXT_FEATURES, {}, cap=1.0)
    # Phrases are matched first and cut out of the sentence, so that "one more thing" is not counted again as
    # the additive word "one more" and "the client wants" not again as the requester "client".
    phrases: dict[str, re.Match[str] | None] = {}
    rest = lower
    for kind, pattern in (("additive phrase", ADDITIVE_PHRASES), ("soft phrase", SOFT_PHRASES)):
        m = pattern.search(rest)
        phrases[kind] = m
        if m is not None:
            rest = f"{rest[: m.start()]} | {rest[m.end() :]}"
    return _score_features(rest, _FEATURES, phrases, cap=None)


def _score_features(
    text: str,
    features: tuple[tuple[str, float, re.Pattern[str]], ...],
    found: dict[str, re.Match[str] | None],
    cap: float | None,
) -> tuple[float, list[str], dict[str, str]]:
    score = 0.0
    reasons: list[str] = []
    hits: dict[str, str] = {}
    for kind, weight, pattern in features:
        m = found[kind] if kind in found else pattern.search(text)
        if m is not None:
            score += weight
            hits[kind] = m.group(0)
            reasons.append(_label(kind, m.group(0)))
    if cap is not None:
        # A sentence with nothing additive in it ("can we meet?") is not an ask for more scope: it is capped and
        # only scanned for what it can lend to another sentence as context.
        score = min(score, cap)
    return score, reasons, hits


def _quote(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    if len(sentence) <= QUOTE_MAX:
        return sentence
    cut = sentence[: QUOTE_MAX - 3]
    space = cut.rfind(" ")
    if space > QUOTE_MAX // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "..."


def detect(text: str, *, sensitivity: str = "normal", offset: float = 0.0) -> Detection:
    """Score one chat message. Never raises for any string; raises ValueError for an unknown sensitivity."""
    threshold = score_needed(sensitivity, float(offset))
    if not isinstance(text, str) or not text or text.isspace():
        return Detection(False, 0.0, threshold, (), "")

    cleaned = _clean(_normalise(text[:MAX_INPUT_CHARS]))
    sentences = _sentences(cleaned)
    if not sentences:
        return Detection(False, 0.0, threshold, (), "")

    scored: list[tuple[float, list[str], dict[str, str], str]] = []
    seen: dict[str, tuple[float, list[str], dict[str, str]]] = {}  # a repeated sentence is scored once
    for sentence in sentences:
        lower = sentence.lower()
        if lower not in seen:
            seen[lower] = _score_sentence(lower)
        s, reasons, hits = seen[lower]
        scored.append((s, reasons, hits, sentence))
    best_index = max(range(len(scored)), key=lambda i: scored[i][0])
    best_score, best_reasons, best_hits, best_sentence = scored[best_index]

    # Context: a requester, target or damper in another sentence counts a little towards the best sentence.
    score = best_score
    reasons = list(best_reasons)
    if len(scored) > 1:
        for i, (_, _, hits, _) in enumerate(scored):
            if i == best_index:
                continue
            for kind, hit in hits.items():
                if kind in _CONTEXT_LABELS and kind not in best_hits:
                    score += _WEIGHTS[kind] * _CONTEXT_SHARE
                    best_hits = {**best_hits, kind: hit}
                    reasons.append(f"{_label(kind, hit)} (nearby)")

    score = round(score, 3)
    fired = score >= threshold
    return Detection(
        is_scope_creep=fired,
        score=score,
        threshold=threshold,
        reasons=tuple(reasons),
        quote=_quote(best_sentence),
    )
