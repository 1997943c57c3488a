"""A Prevent referral draft from exported records: DOMAIN.md's headings, filled from what was recorded."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Person

Record = dict[str, object]
PREVENT = "radicalisation"
NOT_RECORDED = "Not recorded in the bot: complete from what you know."
NOTICE = ("DRAFT for the DSL: check every line against the record and what you know, complete the gaps, then "
          "send it by your local route. Nothing here has been sent.")


def _each(records: list[Record], line: Callable[[Record], str]) -> list[str]:
    """One line per concern that has something to say under a heading."""
    return [f"- {record['reference']}: {text}" for record in records if (text := line(record).strip())]


def _what_happened(record: Record) -> str:
    when = ", ".join(str(record.get(k) or "") for k in ("occurred_at", "place") if record.get(k))
    words = f" In their own words: \"{record['child_words']}\"" if record.get("child_words") else ""
    return f"({when}) {record.get('seen_heard') or ''}{words}" if when else f"{record.get('seen_heard') or ''}{words}"


def _done_and_discussed(record: Record) -> str:
    done = [str(record.get("actions_taken") or "")]
    chronology = record.get("chronology")
    assert isinstance(chronology, list)
    done += [f"{event['kind']}: {event['detail']}" for event in chronology
             if event["kind"] in ("note", "action") and event["detail"]]
    return "; ".join(part for part in done if part)


def prevent_referral(records: list[Record], police_prevent: Person, front_door: Person) -> str:
    """Returns the referral draft: each heading of DfE "Making a referral to Prevent", then its content."""
    first = records[0]
    sections: list[tuple[str, list[str]]] = [
        ("How and why the school became concerned, and what happened", _each(records, _what_happened)),
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
    lines.append("Send it by the local route: " + "; or ".join(
        " · ".join(part for part in (p.name, p.phone, p.email) if part) for p in (police_prevent, front_door)))
    return "\n".join(lines)
