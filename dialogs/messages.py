"""The neutral message model every platform converts to and from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Expects = Literal["nothing", "text", "choice", "date"]


@dataclass(frozen=True, slots=True)
class Choice:
    """A button: a stable id the platform sends back, and the label people see."""

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message from the bot, in platform-neutral form."""

    text: str
    choices: tuple[Choice, ...] = ()
    expects: Expects = "nothing"
    facts: tuple[tuple[str, str], ...] = ()
    prompt_token: str | None = None
    urgent: bool = False

    def to_json(self) -> dict[str, object]:
        """Returns a JSON-ready dict of this reply."""
        return {
            "text": self.text,
            "choices": [{"id": c.id, "label": c.label} for c in self.choices],
            "expects": self.expects,
            "facts": [list(f) for f in self.facts],
            "prompt_token": self.prompt_token,
            "urgent": self.urgent,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Reply:
        """Builds a reply back from `to_json` output."""
        choices = data.get("choices") or []
        facts = data.get("facts") or []
        assert isinstance(choices, list)
        assert isinstance(facts, list)
        token = data.get("prompt_token")
        expects = str(data.get("expects", "nothing"))
        return cls(
            text=str(data.get("text", "")),
            choices=tuple(Choice(str(c["id"]), str(c["label"])) for c in choices),
            expects=expects if expects in ("nothing", "text", "choice", "date") else "nothing",  # type: ignore[arg-type]
            facts=tuple((str(a), str(b)) for a, b in facts),
            prompt_token=str(token) if token else None,
            urgent=bool(data.get("urgent", False)),
        )


@dataclass(frozen=True, slots=True)
class UserRef:
    """Who sent a message: platform, workspace or tenant, user id and email when known."""

    platform: str
    workspace: str
    user_id: str
    email: str | None = None
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message or button press from a person, in platform-neutral form."""

    user: UserRef
    conversation_key: str
    text: str | None = None
    choice: str | None = None
    prompt_token: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    files: int = 0  # files or pictures sent with it: counted only, never fetched, kept or passed on
