"""What the dialogs need from the application, declared as Protocols that bot/ implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Protocol

from dialogs.messages import UserRef


@dataclass(frozen=True, slots=True)
class Person:
    """A member of staff as the application knows them."""

    staff_id: int
    school_id: int
    name: str
    email: str
    is_dsl: bool = False


@dataclass(frozen=True, slots=True)
class Contact:
    """Someone to talk to, with how to reach them."""

    name: str
    role: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Contacts:
    """Everyone a member of staff may need today, from the school file."""

    school_name: str
    on_duty: tuple[Contact, ...]
    deputies: tuple[Contact, ...]
    headteacher: Contact
    chair_of_governors: Contact
    lado: Contact
    front_door: Contact
    police_prevent: Contact
    helpline: Contact
    demo: bool = False
    out_of_hours: bool = False  # nobody on the DSL team is on duty now (evening, weekend, holiday)
    emergency_duty_team: Contact | None = None  # the council's out-of-hours emergency duty team
    off_rota: bool = False  # out of hours although school is open: a gap in the DSL rota or in their hours


@dataclass(frozen=True, slots=True)
class SchoolDay:
    """The school's own day from the school file: when registration, break, lunch, each period, after school start."""

    registration: time
    break_time: time
    lunch: time
    after_school: time
    periods: tuple[time, ...] = ()


@dataclass(slots=True)
class ConcernDraft:
    """A concern as it is being told; every field is a plain string so it saves as JSON."""

    urgent: bool = False
    about: str = ""  # child, children, learner (18+), adult, head, dsl (a member of the DSL team)
    subject: str = ""  # about a DSL-team member: their email (they never see it)
    adult_kind: str = ""  # about an adult: allegation, low_level or extremism (drawn into extremism)
    adult_route: str = ""  # an allegation: "head" (the head or chair) or "lado" (a conflict of interest)
    adult_name: str = ""
    pupils: str = ""
    year_group: str = ""
    category: str = ""  # one or more category ids, comma-separated; "not_sure" for the DSL to decide
    indicators: str = ""
    seen_heard: str = ""
    child_words: str = ""
    occurred_at: str = ""  # an exact local time, only when the reporter gave one
    when_text: str = ""  # when, in the reporter's words (an approximate or unknown time is kept as said)
    place: str = ""
    actions_taken: str = ""
    others_aware: str = ""
    present: str = ""
    child_told: str = ""  # yes, no or not_applicable: told the concern will be shared (never secrecy)
    source_link: str = ""
    reference: str = ""

    def to_json(self) -> dict[str, object]:
        """Returns the draft as a JSON-ready dict."""
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ConcernDraft:
        """Builds a draft from saved JSON, ignoring unknown keys."""
        known = set(cls.__slots__)
        return cls(**{k: v for k, v in data.items() if k in known})  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the reporter is given when a concern is submitted."""

    reference: str
    urgent: bool
    holder: Contact | None = None  # a concern about an adult: who holds it (the head, the chair, the lead DSL)


@dataclass(frozen=True, slots=True)
class ConcernSummary:
    """What the DSL team sees about a concern in a list or alert: never the narrative."""

    concern_id: int
    reference: str
    status: str
    urgent: bool
    category: str
    year_group: str
    reporter: str
    raised_at: datetime
    audience: str = "dsl_team"  # who holds it: dsl_team, headteacher, chair_of_governors or dsl_lead
    about: str = ""


@dataclass(frozen=True, slots=True)
class ConcernDetails:
    """The whole concern, for a DSL-team member's eyes only."""

    summary: ConcernSummary
    draft: ConcernDraft
    chronology: tuple[tuple[datetime, str, str], ...] = field(default=())


class NotPermitted(Exception):
    """Raised when someone outside the DSL team tries a DSL action."""


class UnknownConcern(Exception):
    """Raised when a concern id does not exist for this school."""


class ConcernClosed(Exception):
    """Raised when an action needs an open concern and it has been closed meanwhile."""


class ConcernDesk(Protocol):
    """Takes concerns in and carries the DSL team's decisions.

    A method taking `once` applies its effect once per key (the dialog's `Turn.once`): called again
    with the same key, as when a turn runs again after a crash, it changes nothing and returns what
    the first call returned. An empty key applies it every time.
    """

    async def raise_urgent(self, person: Person, draft: ConcernDraft, once: str = "") -> str:
        """Stores an urgent concern, alerts whoever its subject allows (never the subject); returns its reference."""
        ...

    async def submit(self, person: Person, draft: ConcernDraft, once: str = "") -> Receipt:
        """Stores the concern, queues the DSL alert and returns the receipt."""
        ...

    async def authorise(self, person: Person, concern_id: int, action: str) -> ConcernSummary:
        """Returns the concern if the person is on the DSL team; audits and raises if not."""
        ...

    async def details(self, person: Person, concern_id: int) -> ConcernDetails:
        """Returns the whole concern to a DSL-team member, auditing the view."""
        ...

    async def acknowledge(self, person: Person, concern_id: int) -> ConcernSummary:
        """Marks a new concern acknowledged and tells the reporter; changes nothing if it is not new any more."""
        ...

    async def add_note(self, person: Person, concern_id: int, text: str, once: str = "") -> ConcernSummary:
        """Appends a note to the chronology."""
        ...

    async def record_action(
        self, person: Person, concern_id: int, action: str, reason: str, once: str = ""
    ) -> ConcernSummary:
        """Appends an action or referral, with its reason, to the chronology."""
        ...

    async def close(
        self, person: Person, concern_id: int, outcome: str, reason: str, once: str = ""
    ) -> ConcernSummary:
        """Closes the concern with an outcome and reason and tells the reporter."""
        ...

    async def open_concerns(self, person: Person) -> list[ConcernSummary]:
        """Lists concerns not yet closed, for a DSL-team member."""
        ...

    async def mine(self, person: Person) -> list[tuple[str, str]]:
        """Lists the reporter's own concerns as (reference, status)."""
        ...


class Directory(Protocol):
    """Knows the school's people."""

    async def identify(self, user: UserRef) -> Person:
        """Returns the member of staff behind a platform user, creating a record if needed."""
        ...

    def contacts(self, now: datetime) -> Contacts:
        """Returns who to talk to at this moment (the school's local time), saying when it is out of hours."""
        ...

    def categories(self) -> list[tuple[str, str]]:
        """Returns the concern categories as (id, label)."""
        ...

    def dsl_members(self) -> tuple[Contact, ...]:
        """Returns everyone on the DSL team, in the school file's order (a concern may be about one of them)."""
        ...

    def adult_learners(self) -> bool:
        """True when the school has learners aged 18 or over (a sixth form)."""
        ...

    def adult_social_care(self) -> Contact | None:
        """Returns the council's adult safeguarding contact, for learners aged 18 or over, if set."""
        ...

    def school_day(self) -> SchoolDay:
        """Returns the school's own day: registration, break, lunch, periods and after school."""
        ...


class Wording(Protocol):
    """The words people see, from the editable content file."""

    def __call__(self, key: str, **values: object) -> str:
        """Returns the text for a key, with values filled in."""
        ...

    def help_topics(self) -> list[tuple[str, str]]:
        """Returns help topics as (id, title)."""
        ...

    def group(self, table: str) -> list[tuple[str, str]]:
        """Returns one table's (id, words) in file order, e.g. the DSL's action types (content, not code)."""
        ...


@dataclass(frozen=True, slots=True)
class CourseStatus:
    """Where one person stands on one course."""

    course: str
    title: str
    where: str
    state: str  # "current", "due" (within the warning window) or "overdue"
    due_on: date | None
    last_done: date | None


class UnknownPerson(Exception):
    """Raised when no member of staff has the email given."""


class TrainingDesk(Protocol):
    """Keeps training records and policy reviews; `once` as for ConcernDesk."""

    async def courses_for(self, person: Person) -> list[tuple[str, str]]:
        """Returns the courses this person must keep current, as (id, title)."""
        ...

    async def statuses(self, person: Person, email: str | None = None) -> list[CourseStatus]:
        """Returns where a person (themselves, or another by email for the DSL) stands on each course."""
        ...

    async def record(self, person: Person, course: str, completed_on: date, certificate: str,
                     for_email: str | None = None, once: str = "") -> str:
        """Records a completed course for the person (or, for the DSL team, someone else); returns whose."""
        ...

    async def policy_title(self, person: Person, key: str) -> str:
        """Returns a policy's title if this person may mark its review; raises NotPermitted otherwise."""
        ...

    async def review_policy(self, person: Person, key: str, reviewed_on: date, note: str, once: str = "") -> str:
        """Marks a policy reviewed; returns its title."""
        ...


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the dialogs may call, handed in by the application."""

    desk: ConcernDesk
    directory: Directory
    words: Wording
    training: TrainingDesk | None = None


@dataclass(slots=True)
class SavedSession:
    """A conversation's saved place: which dialog, which state, its data."""

    dialog: str
    state: str
    data: dict[str, object]
    prompt_token: str
    history: list[str]
    version: int = 0
    updated_at: datetime | None = None


class VersionConflict(Exception):
    """Raised when two writers saved the same conversation at once."""


class SessionStore(Protocol):
    """Saves each conversation's place after every turn."""

    async def load(self, school_id: int, key: str) -> SavedSession | None:
        """Returns the saved session for a conversation, if any."""
        ...

    async def save(self, school_id: int, key: str, person: Person, session: SavedSession) -> None:
        """Saves the session; raises VersionConflict if someone else saved it first."""
        ...

    async def delete(self, school_id: int, key: str) -> None:
        """Forgets the conversation's session."""
        ...
