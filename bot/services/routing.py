"""Who may be told about a concern, and who never: the answer to "who is it about?" decides.

DOMAIN.md ("Raising a concern", step 2, and "Changes since the first version", allegations): a concern
about a child goes to the DSL team; one about an adult who works with children goes to the headteacher,
to the chair of governors when it is about the head, and never to the person it is about. A low-level
concern goes to whoever the school file names (default: the headteacher).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.config import SchoolConfig

Audience = Literal["dsl_team", "headteacher", "chair_of_governors", "dsl_lead"]
CHILD_ABOUT = ("child", "children", "learner")  # the DSL team's own concerns
ADULT_ABOUT = ("adult", "head", "dsl")  # KCSIE Part 4: never the DSL channel


@dataclass(frozen=True, slots=True)
class Route:
    """Where a concern goes: who holds it, whether the DSL channel hears, whom to message, who never."""

    audience: Audience
    channel: bool
    holders: tuple[str, ...]  # emails of the people the concern is for (they may see and act on it)
    urgent_direct: tuple[str, ...]  # emails told at once, by direct message, when someone is in danger
    excluded: tuple[str, ...]  # emails that must never see, be alerted about or act on it


def _lower(email: str) -> str:
    return email.strip().lower()


def subject_emails(config: SchoolConfig, about: str, subject: str) -> tuple[str, ...]:
    """The emails of the person a concern is about, when they are someone the bot could tell."""
    if about == "head":
        return (_lower(config.headteacher.email),) if config.headteacher.email else ()
    if about == "dsl" and subject:
        return (_lower(subject),)
    return ()


def holders_of(config: SchoolConfig, audience: Audience) -> tuple[str, ...]:
    """The emails of the people an audience is, from the school file."""
    if audience == "dsl_team":
        return tuple(sorted(config.dsl_emails()))
    if audience == "dsl_lead":
        return tuple(sorted(m.email for m in config.dsl_team if not m.deputy))
    person = config.headteacher if audience == "headteacher" else config.chair_of_governors
    return (_lower(person.email),) if person.email else ()


def _adult_audience(config: SchoolConfig, about: str, kind: str, route: str, excluded: set[str]) -> Audience:
    """Who holds a concern about an adult: the head, the chair when the head is in it, the low-level setting."""
    head = _lower(config.headteacher.email)
    if about == "head" or route == "lado" or head in excluded:
        return "chair_of_governors"  # about the head, or telling the head is a conflict of interest
    if kind == "low_level" and config.allegations.low_level_to == "dsl_lead":
        leads = set(holders_of(config, "dsl_lead"))
        if leads and not leads & excluded:
            return "dsl_lead"
    return "headteacher"


def route(config: SchoolConfig, about: str, subject: str = "", kind: str = "", adult_route: str = "",
          excluded_before: str = "") -> Route:
    """Returns where a concern with this answer to "who is it about?" goes, and who must never hear of it.

    `excluded_before` is the concern's stored exclusions: someone it was once said to be about stays out of it
    even when the answer is changed (the record then goes to the next in line, and never to a channel they are in).
    """
    excluded = set(subject_emails(config, about, subject)) | parse_excluded(excluded_before)
    if about not in ADULT_ABOUT:
        team = tuple(e for e in holders_of(config, "dsl_team") if e not in excluded)
        in_channel = not excluded & config.dsl_emails()  # the channel holds the whole team
        return Route("dsl_team", in_channel, team, team, tuple(sorted(excluded)))
    audience = _adult_audience(config, about, kind, adult_route, excluded)
    holders = tuple(e for e in holders_of(config, audience) if e not in excluded)
    direct = list(holders)
    if about == "dsl":  # the rest of the DSL team and the head are alerted instead of the person
        rest = [e for e in holders_of(config, "dsl_team") if e not in excluded]
        head = [] if _lower(config.headteacher.email) in excluded else [_lower(config.headteacher.email)]
        direct = list(dict.fromkeys([*direct, *rest, *head]))
    return Route(audience, False, holders, tuple(e for e in direct if e), tuple(sorted(excluded)))


def may_see(config: SchoolConfig, audience: str, excluded: str, email: str) -> bool:
    """True when this person holds the concern and is not the person it is about."""
    who = _lower(email)
    if who in parse_excluded(excluded):
        return False
    known: tuple[Audience, ...] = ("dsl_team", "headteacher", "chair_of_governors", "dsl_lead")
    target: Audience = next((a for a in known if a == audience), "dsl_team")
    return who in holders_of(config, target)


def parse_excluded(excluded: str) -> set[str]:
    """The emails in a concern's stored exclusion list."""
    return {e for e in (part.strip() for part in excluded.split(",")) if e}


def excluded_text(emails: tuple[str, ...]) -> str:
    """The exclusion list as the concern row stores it."""
    return ",".join(emails)


def escalation_to(config: SchoolConfig, audience: str, excluded: str) -> tuple[str, ...]:
    """Who hears that nobody has acknowledged a concern: for the DSL team's, the deputies and the head; for one
    about an adult, the next in line (the head's goes to the chair); never the person it is about."""
    never = parse_excluded(excluded)
    head, chair = _lower(config.headteacher.email), _lower(config.chair_of_governors.email)
    if audience == "dsl_team":
        deputies = {m.email for m in config.dsl_team if m.deputy} or config.dsl_emails()
        wanted = sorted(deputies | {head})
    elif audience == "dsl_lead":
        wanted = [head]
    else:
        wanted = [chair]
    return tuple(e for e in wanted if e and e not in never)


def half_told_to(config: SchoolConfig, about: str, subject: str) -> tuple[str, ...]:
    """Who is told that a concern is still half-told: whoever would hold it, never the person it is about."""
    return route(config, about, subject).holders
