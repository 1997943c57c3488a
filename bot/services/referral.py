"""A Prevent referral draft from exported records: the DfE headings, filled from what was recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.config import Person, SchoolConfig
from bot.services import referral_parts as parts
from dialogs import dsl_lists
from dialogs.ports import Wording

Record = dict[str, object]
PREVENT = "radicalisation"


@dataclass(frozen=True)
class Draft:
    """What the draft is about: the child (by name), earlier concerns about them, and whether notes go in."""

    subject: str
    history: list[Record] = field(default_factory=list)  # every concern about the child, for earlier referrals
    with_notes: bool = False


def _each(records: list[Record], line: Callable[[Record], str]) -> list[str]:
    """One line per concern that has something to say under a heading."""
    return [f"- {record['reference']}: {text}" for record in records if (text := line(record).strip())]


def _local(at: str, zone: ZoneInfo) -> str:
    """A stored time (naive means UTC) in the school's time zone, as a person writes it."""
    moment = datetime.fromisoformat(at)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone).strftime("%a %d %b %Y %H:%M")


def _when(record: Record, zone: ZoneInfo, t: Wording) -> str:
    """When it happened, in the school's time; or as the reporter said it, with when they wrote it."""
    occurred, said, written = (str(record.get(k) or "") for k in ("occurred_at", "when_text", "written_at"))
    if occurred:
        return _local(occurred, zone)
    return t("referral.written", when=said, written=_local(written, zone)) if said and written else said


def _what_happened(record: Record, zone: ZoneInfo, t: Wording, subject: str) -> str:
    """The account and the child's own words, other children's names redacted (with a prompt)."""
    others = parts.other_children(record, subject)
    when_where = ", ".join(part for part in (_when(record, zone, t), str(record.get("place") or "")) if part)
    seen = parts.redacted(str(record.get("seen_heard") or "").strip(), others, subject)
    if seen and seen[-1] not in ".!?\"'":
        seen += "."
    said = parts.redacted(str(record.get("child_words") or ""), others, subject)
    words = " " + t("referral.own_words", words=said) if said else ""
    text = f"({when_where}) {seen}{words}" if when_where else f"{seen}{words}"
    return text + (" " + t("referral.others_redacted", count=len(others)) if others else "")


def _done_and_discussed(record: Record, t: Wording, draft: Draft) -> str:
    """What was done, whether the child was told it would be shared, and the DSL's actions (notes on request)."""
    others = parts.other_children(record, draft.subject)
    done = [parts.redacted(str(record.get("actions_taken") or ""), others, draft.subject)]
    told = str(record.get("child_told") or "")
    if told in ("yes", "no"):
        done.append(t(f"referral.child_told.{told}"))
    kinds = ("note", "action") if draft.with_notes else ("action",)
    done += [f"{t('event.' + str(e['kind']))}: {e['detail']}" for e in _events(record)
             if e["kind"] in kinds and e["detail"]]
    return "; ".join(part for part in done if part)


def _events(record: Record) -> list[dict[str, object]]:
    """A record's chronology (empty when it has none)."""
    chronology = record.get("chronology")
    return chronology if isinstance(chronology, list) else []


def _notes_left_out(records: list[Record], t: Wording) -> list[str]:
    """Says the DSL's internal notes are left out, when there are some, and how to add them."""
    count = sum(1 for r in records for e in _events(r) if e["kind"] == "note")
    return [f"- {t('referral.notes_left_out', count=count)}"] if count else []


def _previous(draft: Draft, zone: ZoneInfo, t: Wording) -> list[str]:
    """Earlier referrals and outcomes in the school's own concerns about this child, for the DSL to check."""
    def outcome(r: Record) -> str:
        return dsl_lists.label(t, dsl_lists.OUTCOMES, str(r["outcome"])) if r.get("outcome") else ""

    found = _each(draft.history, lambda r: parts.referral_lines(r, zone, outcome(r)))
    check = t("referral.previous.check" if found else "referral.previous.none")
    return [*found, f"- {check}"]


def _sections(records: list[Record], config: SchoolConfig, t: Wording, draft: Draft) -> list[tuple[str, list[str]]]:
    """Each heading of DfE "Making a referral to Prevent" with what the records say under it."""
    zone = ZoneInfo(config.school.timezone)
    prompt: Callable[[str], list[str]] = lambda key: [f"- {t('referral.prompt.' + key)}"]  # noqa: E731
    def without_others(text: Callable[[Record], str]) -> Callable[[Record], str]:
        return lambda r: parts.redacted(text(r), parts.other_children(r, draft.subject), draft.subject)

    online = _each(records, without_others(parts.online_use))
    return [
        ("happened", _each(records, lambda r: _what_happened(r, zone, t, draft.subject))),
        ("indicators", _each(records, without_others(parts.indicators))),
        ("sympathy", []),
        ("violence", []),
        ("online", [*(online or [f"- {t('referral.not_recorded')}"]), *prompt("online_how")]),
        ("contacts", [f"- {t('referral.not_recorded')}", *prompt("contacts")]),
        ("harm", []),
        ("send", [f"- {t('referral.not_recorded')}", *prompt("send")]),
        ("other", _each([r for r in records if PREVENT not in str(r.get("category") or "").split(",")],
                        lambda r: str(r.get("category_label") or ""))),
        ("discussed", [*_each(records, lambda r: _done_and_discussed(r, t, draft)),
                       *([] if draft.with_notes else _notes_left_out(records, t))]),
        ("parents", []),
        ("previous", _previous(draft, zone, t)),
        ("fear", []),
    ]


def _contact(person: Person) -> str:
    return " · ".join(part for part in (person.name, person.phone, person.email) if part)


def _route(config: SchoolConfig, t: Wording, learner: bool) -> str:
    """Where to send it: the school file's route (both at once, by default, for a child under 18)."""
    police, front_door = _contact(config.police_prevent), _contact(config.front_door)
    if learner:
        return t("referral.route.learner", police=police)
    return t(f"referral.route.{config.referral.route}", police=police, front_door=front_door)


def prevent_referral(records: list[Record], config: SchoolConfig, t: Wording, draft: Draft) -> str:
    """Returns the referral draft: each heading of DfE "Making a referral to Prevent", then its content."""
    first = records[0]
    learner = first.get("about") == "learner"
    kind = "learner" if learner else "child"
    person = t(f"referral.person.{kind}")
    year = first.get("year_group") or t("referral.year_unknown")
    lines = [t("referral.notice"), "", t("referral.subject", label=t(f"referral.label.{kind}"),
                                         name=draft.subject, year=year),
             t("referral.from_records", references=", ".join(str(r["reference"]) for r in records)), ""]
    for key, content in _sections(records, config, t, draft):
        lines += [t(f"referral.heading.{key}", person=person), *(content or [f"- {t('referral.not_recorded')}"]), ""]
    lines += [t("referral.threshold", person=person), "", _route(config, t, learner)]
    return "\n".join(lines)
