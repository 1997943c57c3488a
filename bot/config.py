"""The school file (prevent.toml): people, contacts, categories, term dates. Errors name the field."""

from __future__ import annotations

import tomllib
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Literal

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
    ("other", "Other safeguarding concern"),
)


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


class DslMember(Person):
    """A member of the DSL team and the weekdays they are on duty."""

    email: str = Field(min_length=3)
    deputy: bool = False
    on_duty: list[str] = Field(default_factory=list)

    @field_validator("on_duty")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        days = [d.strip().lower()[:3] for d in value]
        bad = [d for d in days if d not in WEEKDAYS]
        if bad:
            raise ValueError(f"expected weekdays like mon, tue, wed; got {bad}")
        return days


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


class SlackPlace(_Strict):
    """Where the DSL team works in Slack."""

    dsl_channel: str = ""


class TeamsPlace(_Strict):
    """Where the DSL team works in Teams."""

    dsl_team_name: str = ""
    dsl_channel_name: str = "General"


class Delivery(_Strict):
    """Outbox delivery settings."""

    fallback_after_minutes: int = Field(default=5, ge=1, le=120)


class SchoolConfig(_Strict):
    """Everything in the school file."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    school: SchoolInfo
    dsl_team: list[DslMember] = Field(min_length=1)
    headteacher: Person
    chair_of_governors: Person
    lado: Person
    front_door: Person
    police_prevent: Person
    helpline: Person = Person(name="DfE counter-extremism helpline", phone="020 7340 7264",
                              email="counter.extremism@education.gov.uk")
    categories: list[Category] = Field(
        default_factory=lambda: [Category(id=i, label=label) for i, label in DEFAULT_CATEGORIES])
    terms: list[Term] = Field(default_factory=list)
    slack: SlackPlace = Field(default_factory=SlackPlace)
    teams: TeamsPlace = Field(default_factory=TeamsPlace)
    delivery: Delivery = Field(default_factory=Delivery)
    content_file: str = ""

    @model_validator(mode="after")
    def _prevent_category(self) -> SchoolConfig:
        if "radicalisation" not in {c.id for c in self.categories}:
            raise ValueError("categories: expected one with id 'radicalisation' (the Prevent category)")
        return self

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
