"""What the reporter is told when a concern is sent: where it went, the reminders, out of hours, the demo."""

from __future__ import annotations

from dialogs import raise_adult
from dialogs.concern_draft import ADULT_ABOUT, contacts_now, person_word
from dialogs.contacts import out_of_hours_route, out_of_hours_statement
from dialogs.engine import Turn
from dialogs.ports import ConcernDraft, Contacts, Receipt


def out_of_hours_text(turn: Turn, contacts: Contacts, *, told: str = "") -> str:
    """The truth out of hours: nobody on the DSL team is on duty (and so `told` is not yet read), and the route."""
    words = turn.services.words
    lines = [out_of_hours_statement(contacts, words), *([turn.t(told)] if told else []),
             *out_of_hours_route(contacts, words)]
    return "\n".join(lines)


def receipt_text(turn: Turn, draft: ConcernDraft, receipt: Receipt) -> str:
    """The receipt: where it went, the reference, the reminders, and the truth out of hours or on the demo."""
    contacts = contacts_now(turn)
    if draft.about in ADULT_ABOUT:
        text = raise_adult.adult_receipt(turn, draft, receipt, contacts)
    else:
        text = turn.t("raise.receipt", reference=receipt.reference, person=person_word(turn, draft))
        if draft.about == "learner":
            care = turn.services.directory.adult_social_care()
            text += "\n" + turn.t("raise.learner_note", adult_care=care.name + (f" ({care.phone})" if care.phone
                                                                                 else "") if care else
                                  turn.t("raise.learner_no_contact"))
        if contacts.out_of_hours:
            text += "\n\n" + out_of_hours_text(turn, contacts, told="raise.receipt_out_of_hours")
    if contacts.demo:
        text += "\n\n" + turn.t("raise.demo_receipt")
    return text
