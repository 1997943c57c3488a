"""SQLModel tables. Every row carries school_id so one deployment can serve a trust."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class School(SQLModel, table=True):
    """A school served by this deployment."""

    __tablename__ = "school"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=80)
    name: str = Field(max_length=200)


class Staff(SQLModel, table=True):
    """A member of staff: email, name, role, DSL-team flag and platform ids."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("school_id", "email"),)
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    email: str = Field(max_length=320)
    name: str = Field(max_length=200)
    role: str = Field(default="", max_length=200)
    is_dsl: bool = False
    start_date: date | None = None
    slack_user_id: str | None = Field(default=None, max_length=64, index=True)
    teams_user_id: str | None = Field(default=None, max_length=200, index=True)
    active: bool = True


class DialogSession(SQLModel, table=True):
    """Where a conversation is: dialog, state, encrypted data, version for two writers."""

    __tablename__ = "dialog_session"
    __table_args__ = (UniqueConstraint("school_id", "conversation_key"),)
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    conversation_key: str = Field(max_length=300)
    staff_id: int = Field(foreign_key="staff.id")
    dialog: str = Field(max_length=60)
    state: str = Field(max_length=60)
    data_enc: str
    prompt_token: str = Field(max_length=32)
    history: str = Field(default="[]")
    version: int = 1
    updated_at: datetime
    reminded_at: datetime | None = None


class ReferenceCounter(SQLModel, table=True):
    """The last concern number used per school and year (C-2026-0042)."""

    __tablename__ = "reference_counter"
    school_id: int = Field(foreign_key="school.id", primary_key=True)
    year: int = Field(primary_key=True)
    last: int = 0


class Concern(SQLModel, table=True):
    """A safeguarding concern; narrative and names are encrypted in `details_enc`."""

    __tablename__ = "concern"
    __table_args__ = (UniqueConstraint("school_id", "reference"),)
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    reference: str = Field(max_length=20)
    reporter_id: int = Field(foreign_key="staff.id", index=True)
    about: str = Field(default="", max_length=20)
    category: str = Field(default="", max_length=60)  # the first kind chosen
    categories: str = Field(default="", max_length=400)  # every kind chosen, comma-separated (since 0007)
    # Who holds it (bot/services/routing.py) and the emails of anyone it is about, who must never see it.
    audience: str = Field(default="dsl_team", max_length=20)
    excluded: str = Field(default="", max_length=1000)
    year_group: str = Field(default="", max_length=80)
    urgent: bool = False
    status: str = Field(default="new", max_length=20, index=True)
    details_enc: str
    # Empty since 0004 (names are in `pupil_name`). Kept: SQLite could drop it only by rebuilding this
    # table, which the foreign keys pointing at it refuse during an upgrade.
    pupil_hash: str = Field(default="", max_length=64)
    names_indexed: bool = False  # set once `pupil_name` holds every name in it (rows from before 0004 wait)
    occurred_at: datetime | None = None
    created_at: datetime
    submitted_at: datetime | None = None
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str = Field(default="", max_length=60)


class PupilName(SQLModel, table=True):
    """A keyed hash of one name a concern gives (or of all its names as typed), to find a pupil's concerns."""

    __tablename__ = "pupil_name"
    __table_args__ = (UniqueConstraint("concern_id", "name_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    concern_id: int = Field(foreign_key="concern.id", index=True)
    name_hash: str = Field(max_length=64, index=True)


class ConcernEvent(SQLModel, table=True):
    """One entry in a concern's chronology. Append-only: never updated or deleted."""

    __tablename__ = "concern_event"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    concern_id: int = Field(foreign_key="concern.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="staff.id")
    kind: str = Field(max_length=30)
    detail_enc: str = ""
    created_at: datetime


class Audit(SQLModel, table=True):
    """Who saw or did what, when. Never holds concern text."""

    __tablename__ = "audit"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    actor: str = Field(max_length=320)
    action: str = Field(max_length=60)
    target: str = Field(default="", max_length=100)
    allowed: bool = True
    created_at: datetime


class Outbox(SQLModel, table=True):
    """A message still to deliver (or delivered): destination, neutral payload, attempts."""

    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    platform: str = Field(max_length=20, index=True)
    destination: str = Field(max_length=300)
    kind: str = Field(max_length=40)
    concern_id: int | None = Field(default=None, foreign_key="concern.id")
    payload: str
    status: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None = None
    platform_message_id: str = Field(default="", max_length=300)
    last_error: str = Field(default="", max_length=500)
    fallback_sent: bool = False
    attempt_started_at: datetime | None = None  # first send not known to have failed or succeeded (a crash)


class ConversationRef(SQLModel, table=True):
    """Where to reach a person or channel proactively on a platform."""

    __tablename__ = "conversation_ref"
    __table_args__ = (UniqueConstraint("school_id", "platform", "target"),)
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    platform: str = Field(max_length=20)
    target: str = Field(max_length=300)
    reference_json: str
    updated_at: datetime


class ProcessedEvent(SQLModel, table=True):
    """A platform event id already handled, so repeats are dropped."""

    __tablename__ = "processed_event"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    event_id: str = Field(max_length=300)
    created_at: datetime


class TrainingRecord(SQLModel, table=True):
    """A course a member of staff completed."""

    __tablename__ = "training_record"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    course: str = Field(max_length=60)
    completed_on: date
    certificate: str = Field(default="", max_length=1000)
    recorded_by: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime


class Policy(SQLModel, table=True):
    """A policy that carries the Prevent duty, with its owner and last review."""

    __tablename__ = "policy"
    __table_args__ = (UniqueConstraint("school_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    key: str = Field(max_length=60)
    title: str = Field(max_length=200)
    owner_email: str = Field(default="", max_length=320)
    last_reviewed: date | None = None
    interval_months: int = 12
    note: str = Field(default="", max_length=2000)


class Dispatch(SQLModel, table=True):
    """One reminder sent; the unique key keeps it from going twice across instances."""

    __tablename__ = "dispatch"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=300)
    school_id: int | None = Field(default=None, foreign_key="school.id")
    created_at: datetime


class InboundEvent(SQLModel, table=True):
    """A platform event accepted (and acknowledged) but not yet processed: the durable inbox."""

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    platform: str = Field(max_length=20)
    event_id: str = Field(max_length=300)
    conversation_key: str = Field(max_length=300)
    payload_enc: str
    status: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime
    received_at: datetime


class TurnEffect(SQLModel, table=True):
    """A turn's side effect already applied (a concern submitted, a note recorded), under the key its dialog keeps.

    Written in the same transaction as the effect itself, so a turn run again after a crash finds it and
    applies nothing twice; `result` is what the first run returned (a reference, a name), never concern text.
    """

    __tablename__ = "turn_effect"
    __table_args__ = (UniqueConstraint("school_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    key: str = Field(max_length=200)
    result: str = Field(default="", max_length=500)
    created_at: datetime


class WorkerLease(SQLModel, table=True):
    """Which instance does a kind of background work, until when (deployment-wide, so no school_id)."""

    __tablename__ = "worker_lease"
    name: str = Field(primary_key=True, max_length=100)
    holder: str = Field(max_length=200)
    expires_at: datetime
