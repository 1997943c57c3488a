"""What the Teams handler needs from the application, declared as Protocols that bot/ implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from dialogs.messages import Reply

DSL_TARGET = "dsl"          # the DSL channel's conversation reference
BOT_TARGET = "bot"          # where the bot was last reached: service URL, tenant, bot account
USER_PREFIX = "user:"       # a person's personal chat, by Teams user id


@dataclass(frozen=True, slots=True)
class TeamsOptions:
    """How this deployment talks to Teams: app registration and where the DSL team works."""

    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = "SingleTenant"
    tenant_id: str = ""
    dsl_team_name: str = ""
    dsl_channel_name: str = "General"

    @property
    def authenticated(self) -> bool:
        """True when requests must carry a Bot Framework token (an app id is configured)."""
        return bool(self.app_id)


@dataclass(frozen=True, slots=True)
class Member:
    """Someone in Teams, as the roster describes them."""

    user_id: str
    name: str
    email: str


class TeamsStore(Protocol):
    """Activity ids seen, conversation references, and the link between Teams ids and staff."""

    async def claim(self, key: str) -> bool:
        """Records an activity key; returns False if it was already processed."""
        ...

    async def release(self, key: str) -> None:
        """Forgets a claimed activity key, so Teams' retry of a failed turn is processed."""
        ...

    async def save_reference(self, target: str, reference: dict[str, object]) -> None:
        """Stores where to reach a person or channel proactively."""
        ...

    async def reference(self, target: str) -> dict[str, object] | None:
        """Returns a stored conversation reference, if any."""
        ...

    async def forget_reference(self, target: str) -> None:
        """Removes a stored conversation reference (the bot was removed from there)."""
        ...

    async def known_email(self, user_id: str) -> str | None:
        """Returns the email of the member of staff already linked to this Teams user id."""
        ...

    async def link_member(self, member: Member) -> None:
        """Links a Teams user id to the member of staff with that email, if there is one."""
        ...

    async def is_dsl_email(self, email: str) -> bool:
        """True only for people named in the school file's DSL team."""
        ...


class ReplyQueue(Protocol):
    """Queues replies that could not be sent at once, so they are delivered later (the outbox)."""

    async def queue(self, user_id: str, replies: list[Reply]) -> bool:
        """Queues replies for a Teams user's personal chat; False if the user is not known."""
        ...


class Wording(Protocol):
    """The words people see, from the content files."""

    def __call__(self, key: str, **values: object) -> str:
        """Returns the text for a key, with values filled in."""
        ...


Reference = dict[str, object]  # a conversation reference as stored (the SDK's ConversationReference, serialised)


class Connector(Protocol):
    """How proactive messages reach Teams (connector.BotConnector, over the Bot Framework SDK)."""

    async def send(self, reference: Reference, replies: list[Reply], heading: str = "", thread: str = "",
                   mentions: list[Member] | None = None, mention_line: str = "") -> list[str]:
        """Sends replies to a stored conversation (or a thread in it); returns the activity ids."""
        ...

    async def update(self, reference: Reference, activity_id: str, reply: Reply) -> None:
        """Replaces a message the bot sent earlier."""
        ...

    async def open_personal_chat(self, place: Reference, user_id: str) -> Reference:
        """Creates (or finds) the bot's personal chat with a user; returns its reference."""
        ...


class TeamsMessenger(Protocol):
    """Proactive messages in neutral terms, what bot/ sends through (messenger.Messenger implements it).

    Every failure is a connector.SendFailed, with the HTTP status when Teams answered.
    """

    async def to_person(self, user_id: str, replies: list[Reply], heading: str = "") -> list[str]:
        """Sends replies to someone's personal chat (opened if needed); returns the activity ids."""
        ...

    async def forget_person(self, user_id: str) -> None:
        """Forgets someone's personal chat that Teams refused for good."""
        ...

    async def to_dsl(self, replies: list[Reply], mentions: list[Member] | None = None,
                     mention_line: str = "") -> list[str]:
        """Posts replies in the DSL channel, an @mention of each member first when a line is given."""
        ...

    async def update_dsl_card(self, activity_id: str, reply: Reply) -> None:
        """Replaces the alert card in the DSL channel with its current state."""
        ...

    async def dsl_thread(self, activity_id: str, replies: list[Reply]) -> list[str]:
        """Replies in the alert's thread in the DSL channel."""
        ...

    async def dsl_channel_known(self) -> bool:
        """True once the bot has been added to the DSL team's channel."""
        ...
