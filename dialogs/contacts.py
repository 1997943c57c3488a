"""Today's contacts as a reply: the DSL on duty, deputies, the allegation route and the numbers.

Given what it needs (the school's contacts, the words, the moment), so the "who" dialog, the engine's
"who do I talk to?" inside any dialog and a platform's home page all draw the same thing.
"""

from __future__ import annotations

from datetime import datetime

from dialogs.messages import Reply
from dialogs.ports import Contact, Contacts, Wording


def _line(contact: Contact) -> str:
    """Formats one contact as a single line."""
    parts = [contact.name]
    if contact.phone:
        parts.append(contact.phone)
    if contact.email:
        parts.append(contact.email)
    return " · ".join(parts)


def contacts_reply(contacts: Contacts, words: Wording, now: datetime) -> Reply:
    """Returns today's contacts as a reply with facts."""
    on_duty = "\n".join(f"{_line(c)} ({c.role})" for c in contacts.on_duty) or words("who.nobody")
    # Deputies on duty today are listed above; "nobody" here would send staff past them to the head.
    deputies = ((words("who.deputies"), "\n".join(_line(c) for c in contacts.deputies)),) if contacts.deputies else ()
    facts = (
        (words("who.on_duty"), on_duty),
        *deputies,
        (words("who.about_adult"), _line(contacts.headteacher)),
        (words("who.about_head"), _line(contacts.chair_of_governors)),
        (words("who.lado"), _line(contacts.lado)),
        (words("who.front_door"), _line(contacts.front_door)),
        (words("who.police_prevent"), _line(contacts.police_prevent)),
        (words("who.helpline"), _line(contacts.helpline)),
    )
    text = words("who.intro", school=contacts.school_name, date=now.strftime("%A %d %B"))
    if contacts.demo:
        text = words("who.demo_warning") + "\n" + text
    return Reply(text + "\n" + words("who.emergency"), facts=facts)
