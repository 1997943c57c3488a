"""The parts of a Prevent referral draft that need care: other children's names, online use, earlier referrals."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services.concerns import named_pupils

Record = dict[str, object]
# "None of these / not sure" (and the like) is an answer, never an indicator.
NOT_INDICATORS = {"", "none", "none of these", "not sure", "none of these / not sure", "none of these or not sure",
                  "skip", "n/a", "no"}
# Worrying online use the indicators may already name (DfE form: phone, internet or social media use).
_ONLINE = re.compile(r"\b(online|internet|web ?sites?|videos?|platforms?|apps?|social media|group chats?|chats?|"
                     r"games?|gaming|phones?|forums?|encrypted|messag\w*|streams?|posts?|channels?|"
                     r"youtube|tiktok|telegram|discord|whatsapp|snapchat|instagram|reddit|x\.com|twitter)\b",
                     re.IGNORECASE)
REDACTED = "[another child]"


def folded(text: str) -> str:
    """A name as the index compares it: case, accents, spacing and punctuation ignored."""
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    return " ".join("".join(c for c in decomposed if c.isalnum() or c.isspace()).split())


def indicators(record: Record) -> str:
    """The Prevent indicators noticed, or "" when the answer was none or not sure."""
    text = str(record.get("indicators") or "").strip()
    return "" if folded(text) in {folded(n) for n in NOT_INDICATORS} else text


def online_use(record: Record) -> str:
    """The indicators when they name worrying online use (videos, platforms, group chats), else ""."""
    text = indicators(record)
    return text if _ONLINE.search(text) else ""


def other_children(record: Record, subject: str) -> list[str]:
    """The other children a concern names, besides the subject (by full name, as typed)."""
    names = named_pupils(str(record.get("pupils") or ""))
    parts = names[1:] if len(names) > 1 else names
    return [name for name in parts if folded(name) != folded(subject)]


def redacted(text: str, others: list[str], subject: str) -> str:
    """The text with other children's names (full names, then their first or last names) shown as redacted."""
    own = set(folded(subject).split())
    words = [name for name in others] + [w for name in others for w in name.split() if folded(w) not in own]
    for word in sorted(set(words), key=len, reverse=True):
        if len(folded(word)) >= 2:
            text = re.sub(rf"(?:^|(?<=\W)){re.escape(word)}(?=\W|$)", REDACTED, text, flags=re.IGNORECASE)
    return text


def referral_lines(record: Record, zone: ZoneInfo, outcome_label: str) -> str:
    """A concern's recorded actions and referrals (with dates) and its outcome, for the DSL to check."""
    chronology = record.get("chronology")
    events = chronology if isinstance(chronology, list) else []
    actions = [f"{str(e['detail']).split(' — ')[0]} ({_day(e['at'], zone)})" for e in events
               if e["kind"] == "action" and e["detail"]]
    done = "; ".join(actions)
    outcome = f"outcome: {outcome_label}" if outcome_label else ""
    return "; ".join(part for part in (done, outcome) if part)


def _day(at: object, zone: ZoneInfo) -> str:
    """A stored time as a day in the school's time zone."""
    moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(zone).strftime("%d %b %Y")
