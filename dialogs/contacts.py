"""Who to talk to now as a reply: the DSL on duty (or, out of hours, the out-of-hours route), the numbers.

Given what it needs (the school's contacts, the words, the moment), so the "who" dialog, the engine's
"who do I talk to?" inside any dialog and a platform's home page all draw the same thing.
"""

from __future__ import annotations

from datetime import datetime

from dialogs.messages import Reply
from dialogs.ports import Contact, Contacts, Wording

Fact = tuple[str, str]


def _line(contact: Contact) -> str:
    """Formats one contact as a single line."""
    parts = [contact.name]
    if contact.phone:
        parts.append(contact.phone)
    if contact.email:
        parts.append(contact.email)
    return " · ".join(parts)


def contacts_reply(contacts: Contacts, words: Wording, now: datetime) -> Reply:
    """Returns who to talk to now as a reply with facts; out of hours it says so and gives the route."""
    text = words("who.intro", school=contacts.school_name, date=now.strftime("%A %d %B"))
    if contacts.demo:
        text = words("who.demo_warning") + "\n" + text
    if contacts.out_of_hours:
        return Reply("\n".join([text, *out_of_hours_lines(contacts, words)]),
                     facts=(_edt_fact(contacts, words), *_routes(contacts, words)))
    return Reply(text + "\n" + words("who.emergency"), facts=(*_in_hours(contacts, words), *_routes(contacts, words)))


def out_of_hours_lines(contacts: Contacts, words: Wording) -> list[str]:
    """Says nobody on the DSL team is on duty now, then the route: 999, the emergency duty team, anyone may refer."""
    return [out_of_hours_statement(contacts, words), *out_of_hours_route(contacts, words), words("who.ooh_later")]


def out_of_hours_statement(contacts: Contacts, words: Wording) -> str:
    """Says that nobody on the DSL team is on duty now (out of hours, or a gap in the rota)."""
    return words("who.off_rota" if contacts.off_rota else "who.out_of_hours")


def out_of_hours_route(contacts: Contacts, words: Wording) -> list[str]:
    """What to do instead: 999 for danger, then the council's emergency duty team; anyone may contact social care."""
    edt = contacts.emergency_duty_team
    return [words("who.ooh_danger"),
            words("who.ooh_edt", name=edt.name, phone=edt.phone) if edt and edt.phone else words("who.ooh_edt_unset"),
            words("who.ooh_anyone")]


def _in_hours(contacts: Contacts, words: Wording) -> tuple[Fact, ...]:
    """The DSLs on duty now and the deputies."""
    on_duty = "\n".join(f"{_line(c)} ({c.role})" for c in contacts.on_duty) or words("who.nobody")
    # Deputies on duty today are listed above; "nobody" here would send staff past them to the head.
    deputies = ((words("who.deputies"), "\n".join(_line(c) for c in contacts.deputies)),) if contacts.deputies else ()
    return ((words("who.on_duty"), on_duty), *deputies)


def _edt_fact(contacts: Contacts, words: Wording) -> Fact:
    """The council's out-of-hours emergency duty team, or that the school has not set it."""
    edt = contacts.emergency_duty_team
    return words("who.edt"), _line(edt) if edt else words("who.edt_unset")


def _routes(contacts: Contacts, words: Wording) -> tuple[Fact, ...]:
    """The allegation route, the local authority and police contacts, the helpline (and, in hours, the EDT)."""
    edt = (_edt_fact(contacts, words),) if contacts.emergency_duty_team and not contacts.out_of_hours else ()
    return ((words("who.about_adult"), _line(contacts.headteacher)),
            (words("who.about_head"), _line(contacts.chair_of_governors)),
            (words("who.lado"), _line(contacts.lado)),
            (words("who.front_door"), _line(contacts.front_door)),
            (words("who.police_prevent"), _line(contacts.police_prevent)),
            (words("who.helpline"), _line(contacts.helpline)),
            *edt)
