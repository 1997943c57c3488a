"""The school file (prevent.toml): people, contacts, categories, term dates. Errors name the field."""

from __future__ import annotations

import re
import tomllib
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_CATEGORIES = (
    ("radicalisation", "Radicalisation or extremism (Prevent)"),
    ("physical_abuse", "Physical abuse"),
    ("emotional_abuse", "Emotional abuse"),
    ("sexual_abuse", "Sexual abuse"),
    ("neglect", "Neglect"),
    ("child_on_child", "Child-on-child abuse"),
    ("online_safety", "Online safety"),
    ("exploitation", "Exploitation (criminal or sexual)"),
    ("domestic_abuse", "Domestic abuse"),
    ("mental_health", "Mental health"),
    ("missing_education", "Missing education"),
    ("fgm", "Female genital mutilation (FGM)"),
    ("other", "Other safeguarding concern"),
)


_DIGIT_RUN = re.compile(r"\+?\d[\d\s().-]*\d|\d")


def is_phone_number(text: str) -> bool:
    """True when every number in the text can be dialled in the UK (complete, or a short number such as 101).

    Words around the numbers ("office", "out of hours: …") are allowed; a number with a digit missing is not.
    """
    found, rest = False, text
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.VALID):
        found, rest = True, rest.replace(match.raw_string, " ")
    for run in _DIGIT_RUN.findall(rest):  # what is left: short numbers, or numbers that are not valid
        digits = re.sub(r"\D", "", run)
        if len(digits) < 3:
            continue
        try:
            short = phonenumbers.is_valid_short_number(phonenumbers.parse(digits, "GB"))
        except phonenumbers.NumberParseException:
            short = False
        if not short:
            return False
        found = True
    return found


class ConfigError(Exception):
    """A school file that cannot be used; the message names the file, field and what is expected."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Person(_Strict):
    """Someone to contact."""

    name: str = Field(min_length=1)
    role: str = ""
    email: str = ""
    phone: str = ""

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and ("@" not in value or " " in value):
            raise ValueError("expected an email address like name@school.example")
        return value.lower()

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not is_phone_number(value):
            raise ValueError("expected UK phone numbers with all their digits, like 0117 496 0000, +44 117 496 0000 "
                             "or a short number such as 101; words around them are fine (staff will ring what is "
                             "here, so check it)")
        return value


class DslMember(Person):
    """A member of the DSL team, the weekdays they are on duty and, if not the whole school day, their hours."""

    email: str = Field(min_length=3)
    deputy: bool = False
    on_duty: list[str] = Field(default_factory=list)
    duty_start: time | None = None  # None: school.school_day_start
    duty_end: time | None = None  # None: school.school_day_end

    @field_validator("on_duty")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        days = [d.strip().lower()[:3] for d in value]
        bad = [d for d in days if d not in WEEKDAYS]
        if bad:
            raise ValueError(f"expected weekdays like mon, tue, wed; got {bad}")
        return days


class EmergencyContact(Person):
    """A contact staff must be able to ring (the council's out-of-hours emergency duty team): its phone is required."""

    phone: str = Field(min_length=1)


class Category(_Strict):
    """A concern category."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=1)


class Term(_Strict):
    """A term: first and last day (holidays are the gaps between terms)."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Term:
        if self.end < self.start:
            raise ValueError("expected end on or after start")
        return self


class SchoolInfo(_Strict):
    """The school itself."""

    slug: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str = Field(min_length=1)
    platform: Literal["console", "slack", "teams"] = "console"
    timezone: str = "Europe/London"
    demo: bool = False
    school_day_start: time = time(8, 0)
    school_day_end: time = time(17, 0)
    # Sixth forms and colleges: the dialog offers "a learner aged 18 or over" (adult safeguarding applies).
    adult_learners: bool = False


class SchoolDay(_Strict):
    """The school's own day, for "at break", "period 3", "after school": when each starts (local time).

    DOMAIN.md is silent on these: the defaults are this project's, a typical secondary day; set your own.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    registration: time = time(8, 45)  # project default
    break_: time = Field(default=time(10, 30), alias="break")  # project default ("break" is a Python word)
    lunch: time = time(12, 30)  # project default
    after_school: time = time(15, 15)  # project default
    periods: list[time] = Field(default_factory=lambda: [time(9, 0), time(10, 0), time(11, 0), time(13, 30),
                                                         time(14, 30)], max_length=12)  # project default


class SlackPlace(_Strict):
    """Where the DSL team works in Slack."""

    dsl_channel: str = ""


class TeamsPlace(_Strict):
    """Where the DSL team works in Teams."""

    dsl_team_name: str = ""
    dsl_channel_name: str = "General"


class Allegations(_Strict):
    """Concerns about adults who work with children (KCSIE Part 4)."""

    # KCSIE Part 4 section 2: low-level concerns are shared as the staff code of conduct says, usually with
    # the headteacher or the DSL. Default: the headteacher; "dsl_lead" sends them to the lead DSL(s).
    low_level_to: Literal["headteacher", "dsl_lead"] = "headteacher"


class Delivery(_Strict):
    """Outbox delivery settings."""

    fallback_after_minutes: int = Field(default=5, ge=1, le=120)


class Course(_Strict):
    """A training course, how often it is due, who must do it and where."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str = Field(min_length=1)
    every_months: int | None = Field(default=None, ge=1, le=120)  # None: once (at induction)
    first_due_months: int = Field(default=0, ge=0, le=120)  # never done: due this long after starting
    who: Literal["all", "dsl"] = "all"
    where: str = ""


HOME_OFFICE_TRAINING = 'the Home Office "Prevent duty training" service on GOV.UK'

# Defaults from DOMAIN.md, each a setting: induction once; the annual update yearly; Prevent awareness on the
# Home Office "Prevent duty training" service (its Awareness course, then its refresher) every 2 years (no
# national period); DSL training every 2 years and the DSL's knowledge refresh every 12 months; the DSL's
# face-to-face Prevent awareness. WRAP is a local option (prevent.example.toml), not a default name.
# Not from guidance, marked as this project's defaults: the Referrals and Channel awareness courses are for
# the DSL team (who make Prevent referrals and may be asked to join a Channel panel), and they and the
# face-to-face Prevent awareness are renewed every 2 years, like Prevent awareness.
DEFAULT_COURSES = (
    Course(id="induction", title="Safeguarding and child protection (induction, with online safety and "
           "filtering and monitoring)", every_months=None, where="your induction — ask the DSL"),
    Course(id="annual_update", title="Annual safeguarding update", every_months=12, first_due_months=12,
           where="the school's annual safeguarding update — ask the DSL"),
    Course(id="prevent", title="Prevent awareness (Home Office course, or its refresher)", every_months=24,
           where=f"{HOME_OFFICE_TRAINING}: the Awareness course, or the refresher if you have done it before"),
    Course(id="prevent_referrals", title="Prevent referrals (Home Office course)", every_months=24, who="dsl",
           where=f"{HOME_OFFICE_TRAINING}: the Referrals course"),
    Course(id="channel_awareness", title="Channel awareness (Home Office course)", every_months=24, who="dsl",
           where=f"{HOME_OFFICE_TRAINING}: the Channel awareness course"),
    Course(id="prevent_f2f", title="Face-to-face Prevent awareness (DSL)", every_months=24, who="dsl",
           where="your local authority or police Prevent team"),
    Course(id="dsl_training", title="DSL training", every_months=24, who="dsl",
           where="your local safeguarding partnership's DSL course"),
    Course(id="dsl_refresh", title="DSL knowledge refresh (annual)", every_months=12, first_due_months=12,
           who="dsl", where="as the school arranges, for example your local safeguarding partnership's DSL briefings"),
)
DEFAULT_WHERE = {c.id: c.where for c in DEFAULT_COURSES}


class PolicySetting(_Strict):
    """A policy that carries the Prevent duty: its owner, last review and review interval."""

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str = Field(min_length=1)
    owner_email: str = ""
    last_reviewed: date | None = None
    interval_months: int = Field(default=12, ge=1, le=60)


# The seed's list: existing policies reflect the Prevent duty; DOMAIN.md: reviews at least annually.
DEFAULT_POLICIES = (
    ("safeguarding", "Safeguarding and child protection"),
    ("visitors_speakers", "Visitors and visiting speakers"),
    ("external_visits", "External visits"),
    ("it_online_safety", "IT and online safety (with filtering and monitoring)"),
    ("bookings_lettings", "Bookings and lettings"),
)


class Reminders(_Strict):
    """When the bot nudges people (all settings; defaults marked in prevent.example.toml)."""

    nudge_weekday: str = "mon"
    nudge_time: time = time(8, 30)
    digest_time: time = time(8, 0)
    policy_time: time = time(9, 0)
    due_within_days: int = Field(default=30, ge=1, le=365)
    policy_warn_days: int = Field(default=30, ge=1, le=365)
    quiet_start: time = time(18, 0)
    quiet_end: time = time(7, 30)
    escalate_after_minutes: int = Field(default=30, ge=5, le=24 * 60)
    half_told_after_hours: int = Field(default=2, ge=1, le=72)
    # Not in DOMAIN.md, so a setting: a concern still half-told this long is a concern the DSL has not
    # heard; they are told who started it (never what it says). 0 turns it off.
    half_told_dsl_after_hours: int = Field(default=24, ge=0, le=24 * 14)

    @field_validator("nudge_weekday")
    @classmethod
    def _weekday(cls, value: str) -> str:
        day = value.strip().lower()[:3]
        if day not in WEEKDAYS[:5]:
            raise ValueError("expected a school weekday: mon, tue, wed, thu or fri")
        return day


class Referral(_Strict):
    """Where a Prevent referral about a child (under 18) goes: the local route (DOMAIN.md: a setting)."""

    # DOMAIN.md (2025): many areas ask for a referral about an under-18 to go to the police Prevent team *and*
    # the children's services front door at the same time, so "both" is the default.
    route: Literal["both", "police_prevent", "front_door"] = "both"


class SchoolConfig(_Strict):
    """Everything in the school file."""

    school: SchoolInfo
    dsl_team: list[DslMember] = Field(min_length=1)
    headteacher: Person
    chair_of_governors: Person
    lado: Person
    front_door: Person
    police_prevent: Person
    # The council's out-of-hours emergency duty team (DOMAIN.md: a setting). A local number, so no default:
    # without it staff are told to ring the council's children's services, and `prevent-bot doctor` says so.
    emergency_duty_team: EmergencyContact | None = None
    helpline: Person = Person(name="DfE counter-extremism helpline", phone="020 7340 7264",
                              email="counter.extremism@education.gov.uk")
    adult_social_care: Person | None = None  # learners aged 18+: the council's adult safeguarding team
    allegations: Allegations = Field(default_factory=Allegations)
    categories: list[Category] = Field(
        default_factory=lambda: [Category(id=i, label=label) for i, label in DEFAULT_CATEGORIES])
    terms: list[Term] = Field(default_factory=list)
    school_day: SchoolDay = Field(default_factory=SchoolDay)  # registration, break, lunch, periods, after school
    slack: SlackPlace = Field(default_factory=SlackPlace)
    teams: TeamsPlace = Field(default_factory=TeamsPlace)
    delivery: Delivery = Field(default_factory=Delivery)
    courses: list[Course] = Field(default_factory=lambda: list(DEFAULT_COURSES))
    policies: list[PolicySetting] = Field(default_factory=list)
    reminders: Reminders = Field(default_factory=Reminders)
    content_file: str = ""
    # England: KCSIE, the DSL, the LADO. Wales: Keeping learners safe, the DSP, the Wales Safeguarding Procedures
    # (the words come from bot/content/en_wales.toml over en.toml).
    jurisdiction: Literal["england", "wales"] = "england"
    referral: Referral = Field(default_factory=Referral)

    @model_validator(mode="after")
    def _default_where(self) -> SchoolConfig:
        """A course with a default's id and no `where` gets the default's (the Home Office service for Prevent)."""
        self.courses = [c.model_copy(update={"where": DEFAULT_WHERE[c.id]}) if not c.where and c.id in DEFAULT_WHERE
                        else c for c in self.courses]
        return self

    @model_validator(mode="after")
    def _duty_hours(self) -> SchoolConfig:
        day = self.school
        for n, member in enumerate(self.dsl_team):
            start = member.duty_start if member.duty_start is not None else day.school_day_start
            end = member.duty_end if member.duty_end is not None else day.school_day_end
            if end <= start:
                raise ValueError(f"dsl_team.{n}: expected duty_end after duty_start, the same day (where one is not "
                                 "given, the school day's start or end counts)")
        return self

    @model_validator(mode="after")
    def _prevent_category(self) -> SchoolConfig:
        if "radicalisation" not in {c.id for c in self.categories}:
            raise ValueError("categories: expected one with id 'radicalisation' (the Prevent category)")
        return self

    def policy_list(self) -> list[PolicySetting]:
        """Returns the policies: the school file's, or the seed's list owned by the headteacher."""
        if self.policies:
            return self.policies
        owner = self.headteacher.email
        return [PolicySetting(key=k, title=t, owner_email=owner) for k, t in DEFAULT_POLICIES]

    def dsl_emails(self) -> set[str]:
        """Returns the DSL team's emails: the only source of DSL-team membership."""
        return {m.email for m in self.dsl_team}


def _describe(error: dict[str, object]) -> str:
    where = ".".join(str(p) for p in error.get("loc", ())) or "(top level)"  # type: ignore[attr-defined]
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    got = error.get("input")
    shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
    return f"{where}: {message}{shown}"


def parse(text: str, source: str) -> SchoolConfig:
    """Parses school file text; raises ConfigError naming the file, field and what is expected."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        return SchoolConfig.model_validate(raw)
    except ValidationError as exc:
        lines = "\n".join(f"  {source}: {_describe(dict(e))}" for e in exc.errors())
        raise ConfigError(f"{source} has {exc.error_count()} problem(s):\n{lines}") from None


def demo_text() -> str:
    """Returns the packaged demo school file."""
    return (resources.files("bot") / "demo_school.toml").read_text()


def load(path: str, required: bool = False) -> SchoolConfig:
    """Loads the school file at `path`; the demo school when it is absent and not required."""
    file = Path(path)
    if not file.exists():
        if required:
            raise ConfigError(f"{file}: no such file (PREVENT_CONFIG names it)")
        return parse(demo_text(), "demo school (built in)")
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot be read: {exc.strerror}") from None
    return parse(text, str(file))
