"""A calendar event's prose description, minus the invitation text, as agenda lines (docs/meetings.md, "The
description is the agenda").

Used only when a description has no bullet or numbered items. What is dropped:
- Google's block between its `-::~:~::~…::-` rules (in any language: the rules delimit it);
- a Microsoft Teams block, from its heading (`Microsoft Teams meeting`, `Join on your computer, mobile app or
  room device`) to the end: Outlook appends it after what the organiser wrote;
- a Zoom invitation's `Topic:` / `Time:` / repeat lines once its heading (`… is inviting you to a scheduled Zoom
  meeting`) has been seen;
- invitation lines anywhere (`Join Zoom Meeting`, `Meeting ID: …`, `Passcode: …`, `One tap mobile`, `Dial by
  your location`, `Join with Google Meet`, `Please do not edit this section …`, Webex's, …) and separator lines;
- inside every line that remains: links, e-mail addresses and phone numbers, with the punctuation and spaces
  they leave behind (`Discuss the budget, doc https://… and mail ana@example.com` → `Discuss the budget, doc and
  mail`): the item is the prose without them, never the raw line (items are posted to the channel).
A remaining line is prose when it has at least MIN_WORDS words with letters, at least two of them not greetings
or filler (`Hi all, see you there!` is not an agenda). Pure text: no I/O, no platform imports.
"""

from __future__ import annotations

import re

from handlers.core.text import one_line

MIN_WORDS = 3
MAX_CHARS = 20_000  # of the (plain-text) description; a longer one is read up to here
MAX_LINE = 2_000
LINK_ROW_WORDS = 3  # `a | b | c` with no part longer than this is a row of link labels
DIAL_WORDS = 6  # a line with a phone number and fewer words than this is a dial-in number, not prose

_GOOGLE_RULE = re.compile(r"^[-:~·\s]{8,}$")  # -::~:~::~:~…::-  (Google's block delimiter)
_SEPARATOR = re.compile(r"^[\W_]{3,}$")  # _____, ─────, ====, -----, ***
_TEAMS_HEAD = re.compile(r"^(microsoft teams (meeting|need help)|join on your computer,? mobile app or room device)",
                         re.IGNORECASE)
_ZOOM_HEAD = re.compile(r"is inviting you to a scheduled zoom meeting|^join zoom meeting", re.IGNORECASE)
_ZOOM_DETAIL = re.compile(r"^(topic|time)\s*:|occurrence\(s\)\s*$|^every (day|week|month|\d)|"
                          r"^please download and import the following icalendar|^(daily|weekly|monthly)\s*:",
                          re.IGNORECASE)
_BOILERPLATE = re.compile(
    r"^(?:"
    r"join (?:zoom|the meeting|the web|meeting|microsoft teams|webex|skype|online|now|here|using microsoft"
    r"|by\b|with\b|on\b|from\b|via\b)"
    r"|click (?:here )?to join|tap to join|when it'?s time, join|if you are a host"
    r"|(?:phone |video )?conference id|meeting (?:id|number|password|link|options|code)\b|webinar id"
    r"|(?:passcode|password|pin|access code|host key|attendee id)\s*[:#(]"
    r"|one tap mobile|dial by your location|find (?:your|a) local number|or dial\b|dial(?:-| )?in\b|dial\s*:"
    r"|dial \S+@|or call in|call in\b|more phone numbers|view more phone numbers|international numbers"
    r"|global call-in|toll(?:-free)?\s*(?:number|:|$)|learn more about (?:meet|teams|zoom|webex)\b"
    r"|learn more\s*$|download (?:teams|zoom|webex)\b|microsoft teams(?: meeting)?\s*$|need help\?|reset pin"
    r"|(?:please )?do not edit this section|this event has a video call|view your event at"
    r"|(?:google meet )?joining info|video call link|or join by phone|alternate vtc instructions"
    r"|can'?t join the meeting|you can also dial|invitation from google calendar|you are receiving this"
    r")",
    re.IGNORECASE)
_INLINE_BOILERPLATE = re.compile(r"is inviting you to a scheduled zoom meeting|\bpin\s*:|\bmeeting id\s*:",
                                 re.IGNORECASE)
_URL = re.compile(r"<?\b(?:https?://|www\.|tel:|mailto:|sip:)\S*>?"
                  r"|\b[\w-]{1,63}(?:\.[\w-]{1,63}){0,4}\.(?:com|net|org|us|io|meet|ms|me)\b(?:/\S*)?", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+")
_PHONE = re.compile(r"[+(]?\d[\d\s().,#*/-]{4,}\d#?")
# Removed from a kept line (narrower than _PHONE, which also takes dates and amounts): an international number
# (`+1 646 558 8656`, `0049 30 1234567`), a North American one (`(646) 558-8656`, `646.558.8656`), a national one
# with its leading 0 (`030 1234567`, `0171/1234567`), or a run of 10 or more digits.
_PHONE_NUMBER = re.compile(r"(?<![\w+])(?:\+|00)\d[\d \t().-]{5,}\d(?:\s*#)?"
                           r"|(?<![\w(])\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b"
                           r"|\b0\d{2,4}[ /-]?\d{5,8}\b|\b\d{10,}\b")
_SPACE_BEFORE = re.compile(r"\s+([,.;:!?)\]])")
_EMPTY_BRACKETS = re.compile(r"\(\s*[,;:]*\s*\)|\[\s*[,;:]*\s*\]|<\s*>")
_REPEATED = re.compile(r"([,;:])(?:\s*[,;:])+")
_LEAD = re.compile(r"^[(\[<\"'“‘]+")
_TRAIL = re.compile(r"[)\]>\"'”’.,;:!?]+$")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_FILLER = frozenset(("hi", "hello", "hey", "dear", "all", "team", "everyone", "everybody", "folks", "guys", "people",
    "thanks", "thank", "you", "cheers", "regards", "best", "kind", "see", "there", "soon", "then", "please", "find",
    "below", "above", "attached", "here", "is", "are", "the", "a", "an", "to", "for", "of", "and", "on", "in", "at",
    "with", "us", "we", "join", "joining", "link", "links", "details", "invite", "invitation", "invited", "meeting",
    "meetings", "call", "calls", "zoom", "teams", "meet", "google", "microsoft", "webex", "online", "video",
    "conference", "this", "that", "it", "your", "our", "my", "me", "i", "will", "be", "looking", "forward", "talk",
    "agenda", "follow", "follows", "tbd", "tba", "later", "coming"))


def prose_lines(text: str) -> list[str]:
    """The lines of a plain-text description that are written prose, cleaned to one line each."""
    kept: list[str] = []
    in_google = in_zoom = False
    for raw in text[:MAX_CHARS].splitlines():
        line = one_line(raw, MAX_LINE)
        if _GOOGLE_RULE.match(line) and "~" in line:
            in_google = not in_google
            continue
        if in_google or not line or _SEPARATOR.match(line):
            continue
        if _TEAMS_HEAD.match(line):
            break
        if _ZOOM_HEAD.search(line):
            in_zoom = True
            continue
        bare = " ".join(_URL.sub(" ", line).split())
        if (in_zoom and _ZOOM_DETAIL.search(bare)) or _BOILERPLATE.match(bare) or _INLINE_BOILERPLATE.search(bare):
            continue
        if "|" in bare and all(len(_WORD.findall(part)) <= LINK_ROW_WORDS for part in bare.split("|")):
            continue  # a row of links: `Download Teams | Join on the web`, `Learn More | Meeting options`
        words = _WORD.findall(_PHONE.sub(" ", _EMAIL.sub(" ", bare)))
        if _PHONE.search(bare) and len(words) < DIAL_WORDS:
            continue  # a dial-in line: `+1 646 558 8656 US (New York)`
        if len(words) >= MIN_WORDS and sum(w.lower().strip("'’-") not in _FILLER for w in words) >= 2:
            kept.append(_without_contacts(line))
    return kept


def _edges(match: re.Match[str]) -> str:
    """What a removed link or address leaves: the brackets and punctuation around it (`(see https://…),`)."""
    found = match.group()
    lead, trail = _LEAD.match(found), _TRAIL.search(found)
    return f" {lead.group() if lead else ''} {trail.group() if trail else ''} "


def _without_contacts(line: str) -> str:
    """The line without its links, e-mail addresses and phone numbers, and the punctuation they leave."""
    text = _PHONE_NUMBER.sub(" ", _URL.sub(_edges, _EMAIL.sub(_edges, line)))
    text = _REPEATED.sub(r"\1", _EMPTY_BRACKETS.sub(" ", _SPACE_BEFORE.sub(r"\1", " ".join(text.split()))))
    return " ".join(text.split()).strip(" ,;:")
