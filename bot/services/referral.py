"""A Prevent referral draft from exported records: DOMAIN.md's headings, filled from what was recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import SchoolConfig

Record = dict[str, object]
PREVENT = "radicalisation"
NOT_RECORDED = "Not recorded in the bot: complete from what you know."
NOTICE = ("DRAFT for the DSL: check every line against the record and what you know, complete the gaps, then "
          "send it by your local route. Nothing here has been sent.")


def _each(records: list[Record], line: Callable[[Record], str]) -> list[str]:
    """One line per concern that has something to say under a heading."""
    return [f"- {record['reference']}: {text}" for record in records if (text := line(record).strip())]


def _when(record: Record, zone: ZoneInfo) -> str:
    """When it happened, in the school's time, as a person writes it."""
    occurred = str(record.get("occurred_at") or "")
    return datetime.fromisoformat(occurred).astimezone(zone).strftime("%a %d %b %Y %H:%M") if occurred else ""


def _what_happened(record: Record, zone: ZoneInfo) -> str:
    when_where = ", ".join(part for part in (_when(record, zone), str(record.get("place") or "")) if part)
    seen = str(record.get("seen_heard") or "").strip()
    if seen and seen[-1] not in ".!?\"'":
        seen += "."
    words = f' In their own words: "{record["child_words"]}"' if record.get("child_words") else ""
    return f"({when_where}) {seen}{words}" if when_where else f"{seen}{words}"


def _done_and_discussed(record: Record) -> str:
    done = [str(record.get("actions_taken") or "")]
    chronology = record.get("chronology")
    assert isinstance(chronology, list)
    done += [f"{event['kind']}: {event['detail']}" for event in chronology
             if event["kind"] in ("note", "action") and event["detail"]]
    return "; ".join(part for part in done if part)


def prevent_referral(records: list[Record], config: SchoolConfig) -> str:
    """Returns the referral draft: each heading of DfE "Making a referral to Prevent", then its content."""
    first, zone = records[0], ZoneInfo(config.school.timezone)
    sections: list[tuple[str, list[str]]] = [
        ("How and why the school became concerned, and what happened",
         _each(records, lambda r: _what_happened(r, zone))),
        ("Indicators", _each(records, lambda r: str(r.get("indicators") or ""))),
        ("Sympathetic interest in hate crime, extremism or terrorism", []),
        ("Worrying phone, internet or social media use", []),
        ("Contact with groups or individuals of concern", []),
        ("Any wish to cause harm, or threats of violence", []),
        ("Known or suspected special educational needs or disabilities (SEND)", []),
        ("Other safeguarding concerns about family, peers or environment",
         _each([r for r in records if r.get("category") != PREVENT], lambda r: str(r.get("category_label") or ""))),
        ("Discussions with the child and with parents or carers, and what has been done",
         _each(records, _done_and_discussed)),
        ("What staff fear may happen if the child's needs are not met", []),
    ]
    lines = [NOTICE, "", f"Child: {first.get('pupils') or ''} ({first.get('year_group') or 'year not recorded'})",
             f"From the school's records: {', '.join(str(r['reference']) for r in records)}", ""]
    for heading, content in sections:
        lines += [heading, *(content or [f"- {NOT_RECORDED}"]), ""]
    routes = (config.police_prevent, config.front_door)
    lines.append("Send it by the local route: " + "; or ".join(
        " · ".join(part for part in (p.name, p.phone, p.email) if part) for p in routes))
    return "\n".join(lines)
