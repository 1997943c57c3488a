"""Who do I talk to? Today's DSL and deputies, the allegation route and the numbers."""

from __future__ import annotations

from dialogs.engine import Dialog, Done, Outcome, Turn
from dialogs.messages import Reply
from dialogs.ports import Contact


def _line(contact: Contact) -> str:
    """Formats one contact as a single line."""
    parts = [contact.name]
    if contact.phone:
        parts.append(contact.phone)
    if contact.email:
        parts.append(contact.email)
    return " · ".join(parts)


def contacts_reply(turn: Turn) -> Reply:
    """Returns today's contacts as a reply with facts."""
    contacts = turn.services.directory.contacts(turn.now.date())
    on_duty = "\n".join(f"{_line(c)} ({c.role})" for c in contacts.on_duty) or turn.t("who.nobody")
    deputies = "\n".join(_line(c) for c in contacts.deputies) or turn.t("who.nobody")
    facts = (
        (turn.t("who.on_duty"), on_duty),
        (turn.t("who.deputies"), deputies),
        (turn.t("who.about_adult"), _line(contacts.headteacher)),
        (turn.t("who.about_head"), _line(contacts.chair_of_governors)),
        (turn.t("who.lado"), _line(contacts.lado)),
        (turn.t("who.front_door"), _line(contacts.front_door)),
        (turn.t("who.police_prevent"), _line(contacts.police_prevent)),
        (turn.t("who.helpline"), _line(contacts.helpline)),
    )
    text = turn.t("who.intro", school=contacts.school_name, date=turn.now.strftime("%A %d %B"))
    if contacts.demo:
        text = turn.t("who.demo_warning") + "\n" + text
    return Reply(text + "\n" + turn.t("who.emergency"), facts=facts)


async def setup(turn: Turn, params: dict[str, str]) -> Outcome | None:
    """Shows who to talk to today and ends."""
    return Done(contacts_reply(turn))


DIALOG = Dialog(name="who", first="show", states={}, setup=setup)
