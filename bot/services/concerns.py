"""The concern service: submit in one transaction, DSL decisions appended, reporter told."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import routing
from bot.services.directory import SchoolDirectory
from bot.services.session_store import applied, replayed
from bot.services.wording import Words
from dialogs import dsl_lists
from dialogs.alerts import alert_reply
from dialogs.messages import Reply
from dialogs.ports import (
    ConcernClosed,
    ConcernDetails,
    ConcernDraft,
    ConcernSummary,
    Contact,
    NotPermitted,
    Person,
    Receipt,
    UnknownConcern,
)
from storage import concerns as store
from storage import outbox, people
from storage.crypto import Cipher, DataKeyError
from storage.db import Database
from storage.models import Concern
from storage.outbox import DSL, Destination, OutboxKind, StaffDM

log = logging.getLogger(__name__)


# Between two children's names: a comma, semicolon, ampersand, new line or the word "and".
_BETWEEN_NAMES = re.compile(r"\s*(?:[,;&\n]|\band\b)\s*", re.IGNORECASE)


def named_pupils(names: str) -> list[str]:
    """The names a concern gives, as typed and one by one; a part of one word (a first name alone) is left out.

    Leaving those out keeps a look-up by full name from reaching another child who shares a first name.
    """
    whole = names.strip()
    if not whole:
        return []
    parts = (part.strip() for part in _BETWEEN_NAMES.split(whole))
    return list(dict.fromkeys([whole, *(part for part in parts if len(part.split()) >= 2)]))


def pupil_hashes(cipher: Cipher, draft: ConcernDraft) -> set[str]:
    """The keyed hashes that find a concern again by any child's full name (none when no pupil is named)."""
    return {cipher.name_hash(name) for name in named_pupils(draft.pupils)}


async def index_names_in(session: AsyncSession, cipher: Cipher, concern: Concern, details: str) -> None:
    """Records the current key's hashes of the names in a concern's (decrypted) details."""
    await store.index_names(session, concern, pupil_hashes(cipher, ConcernDraft.from_json(json.loads(details))))


async def index_waiting_names(session: AsyncSession, cipher: Cipher, batch: int = 200) -> int:
    """Indexes each name of the concerns stored before names were indexed one by one; returns how many.

    A concern sealed with a key that is not configured is left (it keeps the hash migration 0004
    moved over) and tried again at the next start; `prevent-bot doctor` names the missing key.
    """
    indexed, after = 0, 0
    while concerns := await store.not_indexed(session, after, batch):
        after = concerns[-1].id or after
        for concern in concerns:
            try:
                details = cipher.decrypt(concern.details_enc)
            except DataKeyError:
                continue
            await index_names_in(session, cipher, concern, details)
            indexed += 1
    if indexed:
        log.warning("indexed the pupil names of %s earlier concern(s)", indexed)
    return indexed


class ConcernService:
    """Implements the dialogs' ConcernDesk over the database."""

    def __init__(self, db: Database, directory: SchoolDirectory, words: Words,
                 clock: Callable[[], datetime]) -> None:
        self.db, self.directory, self.words, self.clock = db, directory, words, clock
        self.school_id = directory.school_id
        self.platform = directory.config.school.platform

    # --- taking concerns in --------------------------------------------------------------------

    async def raise_urgent(self, person: Person, draft: ConcernDraft, once: str = "") -> str:
        """Stores an urgent concern at once and alerts whoever its subject allows, never the subject (once per key).

        A concern about a child goes to the DSL channel and each DSL member; one about an adult to the
        head (the chair if it is about the head); one about a DSL member to the rest of the team and the head.
        """
        async with self.db.transaction() as session:
            done = await replayed(session, self.school_id, once)
            if done is not None:  # the turn ran again after a crash: the alert went already
                return str(done["reference"])
            concern = await self._new_concern(session, person, draft)
            await store.add_event(session, concern, "urgent_alert", person.staff_id, at=self._now())
            await store.audit(session, self.school_id, person.email, "concern.urgent", concern.reference)
            chosen = self._route(draft, concern)
            alert = await self._alert_now(session, concern)
            if chosen.channel:
                await self._enqueue(session, DSL, OutboxKind.DSL_URGENT, {"reply": alert.to_json()}, concern)
            for email in chosen.urgent_direct:
                staff_id = await self._staff_id(session, email)
                await self._enqueue(session, StaffDM(staff_id), OutboxKind.DSL_DIRECT, {"reply": alert.to_json()},
                                    concern)
            await applied(session, self.school_id, once, {"reference": concern.reference})
        log.warning("urgent concern %s raised; %s alerted", concern.reference, chosen.audience)
        return concern.reference

    async def submit(self, person: Person, draft: ConcernDraft, once: str = "") -> Receipt:
        """Writes the concern, its first event, audit and its alert in one transaction, once per `once` key.

        The key's claim commits with the concern: a turn run again after a crash (its session not yet
        saved) gets the first receipt back and writes no second concern, event, audit or alert. A concern
        about a child is alerted in the DSL channel; one about an adult goes to its holder by direct message.
        """
        async with self.db.transaction() as session:
            done = await replayed(session, self.school_id, once)
            if done is not None:
                return Receipt(str(done["reference"]), bool(done["urgent"]), self._holder_contact(draft))
            concern = await store.by_reference(session, self.school_id, draft.reference) if draft.reference else None
            if concern is None:
                concern = await self._new_concern(session, person, draft)
                await store.add_event(session, concern, "created", person.staff_id, at=self._now())
            else:
                await self._write_draft(session, concern, draft)
                await self._set_route(session, concern, draft)
                await store.add_event(session, concern, "details_added", person.staff_id, at=self._now())
            await store.audit(session, self.school_id, person.email, "concern.submit", concern.reference)
            alert = await self._alert_now(session, concern)
            chosen = self._route(draft, concern)
            if chosen.channel:
                await self._enqueue(session, DSL, OutboxKind.DSL_ALERT, {"reply": alert.to_json()}, concern)
            else:
                for email in chosen.holders:
                    staff_id = await self._staff_id(session, email)
                    await self._enqueue(session, StaffDM(staff_id), OutboxKind.DSL_DIRECT,
                                        {"reply": alert.to_json()}, concern)
            await applied(session, self.school_id, once, {"reference": concern.reference, "urgent": concern.urgent})
        log.info("concern %s submitted", concern.reference)
        return Receipt(concern.reference, concern.urgent, self._holder_contact(draft, concern))

    def _route(self, draft: ConcernDraft, concern: Concern | None = None) -> routing.Route:
        """Where the concern goes, keeping out anyone it was ever said to be about (its stored exclusions)."""
        return routing.route(self.directory.config, draft.about, draft.subject, draft.adult_kind, draft.adult_route,
                             concern.excluded if concern is not None else "")

    def _holder_contact(self, draft: ConcernDraft, concern: Concern | None = None) -> Contact | None:
        """Who holds a concern about an adult, to name in the receipt (None for the DSL team's concerns)."""
        chosen = self._route(draft, concern)
        return None if chosen.channel else self.directory.holder_contact(chosen.audience)

    def _in_channel(self, concern: Concern) -> bool:
        """True when the concern's alert is in the DSL channel: the team's, and about none of its members."""
        never = routing.parse_excluded(concern.excluded)
        return concern.audience == "dsl_team" and not never & self.directory.config.dsl_emails()

    async def _staff_id(self, session: AsyncSession, email: str) -> int:
        """The staff record of someone the school file names (the head or chair may not have one yet)."""
        staff = await people.staff_by_email(session, self.school_id, email)
        if staff is None:
            staff = await people.upsert_staff(session, self.school_id, email, self.directory.name_of(email))
        assert staff.id is not None
        return staff.id

    async def _set_route(self, session: AsyncSession, concern: Concern, draft: ConcernDraft) -> None:
        """Records who holds the concern and who never sees it, auditing each exclusion (once each)."""
        chosen = self._route(draft, concern)
        before = routing.parse_excluded(concern.excluded)
        concern.audience = chosen.audience
        concern.excluded = routing.excluded_text(tuple(sorted(before | set(chosen.excluded))))
        session.add(concern)
        for email in sorted(set(chosen.excluded) - before):
            await store.audit(session, self.school_id, email, "concern.exclude", concern.reference)
        await session.flush()

    async def _new_concern(self, session: AsyncSession, person: Person, draft: ConcernDraft) -> Concern:
        now = self._now()
        reference = await store.next_reference(session, self.school_id, self.clock().year)
        concern = Concern(school_id=self.school_id, reference=reference, reporter_id=person.staff_id,
                          details_enc="", created_at=now, submitted_at=now, urgent=draft.urgent)
        await self._write_draft(session, concern, draft)
        await self._set_route(session, concern, draft)
        return concern

    async def _write_draft(self, session: AsyncSession, concern: Concern, draft: ConcernDraft) -> None:
        """Copies a draft into a concern row and records the hashes of the names it gives."""
        self._fill(concern, draft)
        session.add(concern)
        await session.flush()
        await store.index_names(session, concern, pupil_hashes(self.db.cipher, draft))

    def _fill(self, concern: Concern, draft: ConcernDraft) -> None:
        """Copies a draft into a concern row, encrypting every free-text answer and name."""
        draft.reference = concern.reference
        cipher = self.db.cipher
        concern.about, concern.categories = draft.about, draft.category[:400]
        concern.category = draft.category.split(",")[0][:60]
        concern.year_group = draft.year_group[:80]
        concern.urgent = concern.urgent or draft.urgent
        concern.details_enc = cipher.encrypt(json.dumps(draft.to_json()))
        if draft.occurred_at:
            concern.occurred_at = datetime.fromisoformat(draft.occurred_at)

    # --- the DSL team ---------------------------------------------------------------------------

    async def authorise(self, person: Person, concern_id: int, action: str) -> ConcernSummary:
        """Returns the concern for someone who holds it; audits a refusal and raises for anyone else."""
        await self._require_dsl(person, action, concern_id)
        async with self.db.transaction() as session:
            return await self._summary(session, await self._concern(session, concern_id))

    async def _may_act(self, person: Person, concern_id: int | None) -> bool:
        """True for the concern's holders (the DSL team, or the head or chair for an adult), never its subject."""
        if concern_id is None:
            return self.directory.is_dsl(person.email)
        async with self.db.reading() as session:
            concern = await store.get(session, self.school_id, concern_id)
        if concern is None:
            return self.directory.is_dsl(person.email)  # then UnknownConcern, as for anyone on the team
        return routing.may_see(self.directory.config, concern.audience, concern.excluded, person.email)

    async def _require_dsl(self, person: Person, action: str, concern_id: int | None = None) -> None:
        """Raises NotPermitted, after auditing the attempt, unless the person holds the concern and is not in it."""
        if await self._may_act(person, concern_id):
            return
        async with self.db.transaction() as session:
            concern = await store.get(session, self.school_id, concern_id) if concern_id else None
            target = concern.reference if concern else str(concern_id or "")
            await store.audit(session, self.school_id, person.email, f"dsl.{action}", target, allowed=False)
        log.warning("refused a DSL action (%s) by someone who does not hold the concern", action)
        raise NotPermitted(action)

    async def _concern(self, session: AsyncSession, concern_id: int, lock: bool = False) -> Concern:
        concern = await store.get(session, self.school_id, concern_id, lock)
        if concern is None:
            raise UnknownConcern(concern_id)
        return concern

    async def details(self, person: Person, concern_id: int) -> ConcernDetails:
        """Returns the whole concern to a DSL-team member and audits the view."""
        await self._require_dsl(person, "view", concern_id)
        async with self.db.transaction() as session:
            concern = await self._concern(session, concern_id)
            await store.audit(session, self.school_id, person.email, "concern.view", concern.reference)
            chronology = []
            for event in await store.events(session, concern_id):
                actor = await people.staff_by_id(session, event.actor_id) if event.actor_id else None
                what = self.words(f"event.{event.kind}")
                if event.detail_enc:
                    what += ": " + self.db.cipher.decrypt(event.detail_enc)
                chronology.append((event.created_at, actor.name if actor else "system", what))
            draft = ConcernDraft.from_json(json.loads(self.db.cipher.decrypt(concern.details_enc)))
            return ConcernDetails(await self._summary(session, concern), draft, tuple(chronology))

    async def acknowledge(self, person: Person, concern_id: int) -> ConcernSummary:
        """Marks a new concern acknowledged, updates the alert and tells the reporter; once, however often pressed."""
        return await self._decide(person, concern_id, "ack", "acknowledged", "", status="acknowledged")

    async def add_note(self, person: Person, concern_id: int, text: str, once: str = "") -> ConcernSummary:
        """Appends a note (encrypted) to the chronology, once per `once` key."""
        return await self._decide(person, concern_id, "note", "note", text, once=once)

    async def record_action(self, person: Person, concern_id: int, action: str, reason: str,
                            once: str = "") -> ConcernSummary:
        """Appends an action or referral with its reason to the chronology, once per `once` key."""
        label = dsl_lists.label(self.words, dsl_lists.ACTION_TYPES, action)
        return await self._decide(person, concern_id, "action", "action", f"{label} — {reason}", label, once=once)

    async def close(self, person: Person, concern_id: int, outcome: str, reason: str,
                    once: str = "") -> ConcernSummary:
        """Closes the concern with outcome and reason, updates the alert, tells the reporter (once per `once` key)."""
        label = dsl_lists.label(self.words, dsl_lists.OUTCOMES, outcome)
        return await self._decide(person, concern_id, "close", "closed", f"{label} — {reason}", label,
                                  status="closed", outcome=outcome, once=once)

    async def _decide(self, person: Person, concern_id: int, action: str, kind: str, detail: str,
                      public: str = "", status: str = "", outcome: str = "", once: str = "") -> ConcernSummary:
        """Applies one DSL decision: event, audit, status, alert update, reporter notice.

        Applied once: a turn run again after a crash finds its `once` key claimed and changes nothing, and
        the concern row is locked (PostgreSQL; SQLite has one writer) so two people acknowledging at
        the same moment make one acknowledgement, one update in the channel and one notice to the reporter.
        """
        await self._require_dsl(person, action, concern_id)
        async with self.db.transaction() as session:
            if await replayed(session, self.school_id, once) is not None:
                return await self._summary(session, await self._concern(session, concern_id))
            concern = await self._concern(session, concern_id, lock=True)
            if status == "acknowledged" and concern.status != "new":  # acknowledged (or closed) already
                return await self._summary(session, concern)
            if concern.status == "closed" and action != "note":  # a closed record may still be annotated
                raise ConcernClosed(concern_id)
            now = self._now()
            if status == "acknowledged":
                concern.status, concern.acknowledged_at = status, now
            elif status == "closed":
                concern.status, concern.closed_at, concern.outcome = status, now, outcome
                concern.acknowledged_at = concern.acknowledged_at or now
            session.add(concern)
            encrypted = self.db.cipher.encrypt(detail) if detail else ""
            await store.add_event(session, concern, kind, person.staff_id, encrypted, now)
            await store.audit(session, self.school_id, person.email, f"concern.{action}", concern.reference)
            summary = await self._summary(session, concern)
            alert = self._alert_of(summary, concern)
            thread = self.words("notify.dsl_updated", reference=concern.reference,
                                status=self.words(f"event.{kind}"), actor=person.name,
                                what=f" — {public}" if public else "")
            if self._in_channel(concern):  # one about an adult, or a DSL member, was never in the channel
                await self._enqueue(session, DSL, OutboxKind.DSL_UPDATE,
                                    {"alert": alert.to_json(), "thread": Reply(thread).to_json()}, concern)
            if status in ("acknowledged", "closed"):
                notice = Reply(self.words(f"notify.{status}", reference=concern.reference))
                await self._enqueue(session, StaffDM(concern.reporter_id), OutboxKind.REPORTER_UPDATE,
                                    {"reply": notice.to_json()}, concern)
            await applied(session, self.school_id, once, {"reference": concern.reference})
            return summary

    async def open_concerns(self, person: Person) -> list[ConcernSummary]:
        """Lists concerns not yet closed, newest first, for a DSL-team member: only those they may see."""
        await self._require_dsl(person, "list")
        config = self.directory.config
        async with self.db.transaction() as session:
            rows = await store.listed(session, self.school_id, ("new", "acknowledged"))
            return [await self._summary(session, c) for c in rows
                    if routing.may_see(config, c.audience, c.excluded, person.email)]

    async def mine(self, person: Person) -> list[tuple[str, str]]:
        """Lists the reporter's own concerns as (reference, status)."""
        async with self.db.transaction() as session:
            rows = await store.listed(session, self.school_id, reporter_id=person.staff_id)
            return [(c.reference, c.status) for c in rows]

    # --- helpers --------------------------------------------------------------------------------

    def _now(self) -> datetime:
        """Returns the service clock's time in UTC (frozen in tests, real in use)."""
        return self.clock().astimezone(UTC)

    async def summary(self, concern_id: int) -> ConcernSummary:
        """Returns a concern's summary (no narrative) for renderers."""
        async with self.db.transaction() as session:
            concern = await store.get(session, self.school_id, concern_id)
            if concern is None:
                raise UnknownConcern(concern_id)
            return await self._summary(session, concern)

    async def alert(self, concern_id: int) -> Reply | None:
        """Returns the concern's DSL alert as it stands now (None if there is no such concern), to send it."""
        async with self.db.reading() as session:
            concern = await store.get(session, self.school_id, concern_id)
            if concern is None:
                return None
            summary = await self._summary(session, concern)
            return self._alert_of(summary, concern)

    async def _summary(self, session: AsyncSession, concern: Concern) -> ConcernSummary:
        reporter = await people.staff_by_id(session, concern.reporter_id)
        assert concern.id is not None
        raised = (concern.submitted_at or concern.created_at).astimezone(self.clock().tzinfo)
        return ConcernSummary(concern.id, concern.reference, concern.status, concern.urgent,
                              concern.categories or concern.category,
                              concern.year_group, reporter.name if reporter else "unknown", raised,
                              concern.audience, concern.about)

    async def _alert_now(self, session: AsyncSession, concern: Concern) -> Reply:
        return self._alert_of(await self._summary(session, concern), concern)

    def _alert_of(self, summary: ConcernSummary, concern: Concern) -> Reply:
        """The concern's alert: the DSL team's, or, about an adult, one that names who holds it."""
        holder = self.directory.holder_contact(concern.audience) if concern.audience != "dsl_team" else None
        return alert_reply(self.words, summary, self._category_label(concern.categories or concern.category),
                           holder=holder.name if holder else "", demo=self.directory.config.school.demo)

    def _category_label(self, category: str) -> str:
        """The labels of a concern's kinds, as the school file names them."""
        labels = {**dict(self.directory.categories()), "not_sure": self.words("raise.category.not_sure")}
        return ", ".join(labels.get(c, c) for c in category.split(",") if c)

    async def _enqueue(self, session: AsyncSession, destination: Destination, kind: OutboxKind,
                       payload: dict[str, object], concern: Concern) -> None:
        payload = {**payload, "reference": concern.reference}
        await outbox.enqueue(session, self.school_id, self.platform, destination, kind, payload, concern.id)
