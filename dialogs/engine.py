"""The dialog engine: named states, a saved session per conversation, global commands."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import secrets
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from dialogs import alerts, intents
from dialogs.contacts import contacts_reply
from dialogs.messages import Choice, Inbound, Reply, UserRef
from dialogs.ports import Person, SavedSession, Services, SessionStore, VersionConflict

log = logging.getLogger(__name__)

DSL_PREFIX = "dsl:"
GO_PREFIX = "go:"
ONCE = "_once"  # session data: the dialog run's token, from which the keys of its side effects are made
START = "_start"  # in a session's data: the state the dialog began in, and its data then
THEN = "_then"  # set by a dialog as it ends: the dialog to begin next (any suspended one still waits)
HELP = "help"  # the help menu: a topic asked inside it is shown and ends it; a request replaces it
PAUSE = "pause"  # offers to pause the dialog under way for another one asked for by name
NON_ANSWER_WORDS = {"not_known": "fact.not_known", "none": "fact.none"}  # what a non-answer is stored as


@dataclass(slots=True)
class Turn:
    """One message being handled: who, what they said, the dialog's data and the services."""

    inbound: Inbound
    person: Person
    data: dict[str, object]
    now: datetime
    services: Services

    @property
    def text(self) -> str:
        """Returns the message text, stripped, without NUL characters (empty for a button press)."""
        return (self.inbound.text or "").replace("\x00", "").strip()  # PostgreSQL's text cannot hold a NUL

    @property
    def choice(self) -> str | None:
        """Returns the id of the button pressed, if any."""
        return self.inbound.choice

    def t(self, key: str, **values: object) -> str:
        """Returns the wording for a key."""
        return self.services.words(key, **values)

    def once(self, effect: str) -> str:
        """Returns the key that makes one side effect of this dialog run happen once (pass it to the desk).

        The token behind it is saved with the dialog's first question, before any state's handler runs, so
        a turn run again after a crash (its session not saved) makes the same key, and the desk, finding
        the effect applied, applies nothing twice. The next dialog run has a new token, so new keys. A
        dialog's `setup` runs before that first save and so must not use it.
        """
        token = self.data.get(ONCE)
        return f"{effect}:{token}" if isinstance(token, str) and token else ""


S = TypeVar("S", bound=str, covariant=True)  # a dialog's state names: a Literal alias, so mypy checks each one
T = TypeVar("T", bound=str)  # the same, in the state table (invariant: a Mapping's keys are)


class Next(Generic[S]):
    """Moves to a state, sending `before` and then that state's question."""

    __slots__ = ("_state", "before")

    def __init__(self, state: S, *before: Reply) -> None:
        self._state = state
        self.before = before

    @property
    def state(self) -> S:
        """Returns the state to move to."""
        return self._state


class Retry:
    """Stays in the state: sends the reply, then asks the question again."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply


class Done:
    """Ends the dialog with these replies."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = replies


Outcome = Next[S] | Retry | Done
Shown = Literal["show"]  # the `first` of a dialog that has no states: its setup shows one answer and ends
Ask = Callable[[Turn], Awaitable[Reply]]
Handle = Callable[[Turn], Awaitable[Outcome[S]]]


@dataclass(frozen=True, slots=True)
class State(Generic[S]):
    """A named step: how to ask its question and how to handle the answer (which names the states it moves to)."""

    ask: Ask
    handle: Handle[S]


@dataclass(frozen=True, slots=True)
class Dialog(Generic[T]):
    """A conversation: named states, the first one, and what to do on cancel."""

    name: str
    first: T
    states: Mapping[T, State[T]]
    on_cancel: Callable[[Turn], Awaitable[tuple[Reply, ...]]] | None = None
    setup: Callable[[Turn, dict[str, str]], Awaitable[Outcome[T] | None]] | None = None
    on_restart: Callable[[dict[str, object]], dict[str, object]] | None = None
    narrative: frozenset[str] = frozenset()  # states taking someone's account: only a short question interrupts
    non_answers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # state -> not_known, none, explain


@dataclass(slots=True)
class Engine:
    """Runs dialogs turn by turn, loading and saving each conversation's session."""

    dialogs: Mapping[str, Dialog[Any]]  # Any: a saved session's state is a string from storage, checked on load
    services: Services
    store: SessionStore
    clock: Callable[[], datetime]
    _locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(default_factory=weakref.WeakValueDictionary)

    def _lock(self, key: str) -> asyncio.Lock:
        """Returns the lock that serialises turns of one conversation (kept only while in use)."""
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Handles one inbound message and returns the replies to send."""
        async with self._lock(inbound.conversation_key):
            person = await self.services.directory.identify(inbound.user)
            # Said first, whatever the turn: the bot takes words, never pictures (DOMAIN: never upload or
            # forward indecent images).
            refused = [Reply(self.services.words("engine.no_files"))] if inbound.files else []
            try:
                return refused + await self._handle(inbound, person)
            except VersionConflict:
                log.warning("session changed by another writer; asked the person to repeat")
                return [*refused, Reply(self.services.words("engine.conflict"))]

    async def start(
        self, inbound: Inbound, dialog_name: str, params: dict[str, str] | None = None
    ) -> list[Reply]:
        """Starts a dialog directly (a slash command or shortcut), keeping any half-told one."""
        choice = f"{GO_PREFIX}{dialog_name}"
        if params:
            choice += "?" + "&".join(f"{k}={v}" for k, v in params.items())
        pressed = dataclasses.replace(inbound, text=None, choice=choice, prompt_token=None)
        return await self.handle(pressed)

    async def greet(self, inbound: Inbound) -> list[Reply]:
        """Opens a conversation: carries on a half-told dialog, or shows the menu."""
        async with self._lock(inbound.conversation_key):
            person = await self.services.directory.identify(inbound.user)
            session = await self._load(person, inbound.conversation_key)
            turn = Turn(inbound, person, session.data if session else {}, self.clock(), self.services)
            if session is None:
                return [self._menu(turn, greet=True)]
            try:
                return await self._resume(turn, session, turn.t("engine.welcome_back"))
            except VersionConflict:
                return [Reply(self.services.words("engine.conflict"))]

    async def unfinished(self, user: UserRef, conversation_key: str) -> str | None:
        """Returns the dialog left half-way in a conversation (saved: it carries on next time), if any."""
        person = await self.services.directory.identify(user)
        session = await self._load(person, conversation_key)
        return session.dialog if session is not None else None

    async def _handle(self, inbound: Inbound, person: Person) -> list[Reply]:
        session = await self._load(person, inbound.conversation_key)
        turn = Turn(inbound, person, session.data if session else {}, self.clock(), self.services)
        choice = inbound.choice
        if choice and choice.startswith(DSL_PREFIX):
            verb, _, concern = choice[len(DSL_PREFIX):].partition(":")
            return await self._begin(turn, session, "dsl_action", {"verb": verb, "concern": concern})
        if choice and choice.startswith(GO_PREFIX):
            name, _, query = choice[len(GO_PREFIX):].partition("?")
            params = dict(p.partition("=")[::2] for p in query.split("&") if p)
            if session is None or inbound.prompt_token is None or name == session.dialog:
                if session is not None and name == session.dialog:
                    return await self._resume(turn, session, turn.t("engine.resuming"))
                return await self._begin(turn, session, name, params)
            return await self._stale(turn, session)
        if session is None:
            return await self._idle(turn)
        if choice is not None and inbound.prompt_token != session.prompt_token:
            return await self._stale(turn, session)
        command = intents.command(turn.text) if not choice else None
        if command is not None:
            return await self._command(turn, session, command)
        understood = await self._understand(turn, session) if not choice else None
        if understood is not None:
            return understood
        state = self._state(session)
        outcome = await state.handle(turn)
        return await self._apply(turn, session, outcome)

    async def _load(self, person: Person, key: str) -> SavedSession | None:
        """Loads the session, coping with one saved by an older version of the bot."""
        session = await self.store.load(person.school_id, key)
        if session is not None and ONCE not in session.data:
            session.data[ONCE] = _token_of(key, session)
        if session is not None and session.dialog not in self.dialogs:
            log.warning("dropped a session for a dialog that no longer exists: %s", session.dialog)
            await self.store.delete(person.school_id, key)
            return None
        if session is not None and session.state not in self.dialogs[session.dialog].states:
            session.state = self.dialogs[session.dialog].first
        return session

    async def _understand(self, turn: Turn, session: SavedSession) -> list[Reply] | None:
        """Reads a non-answer, answers a help question, or takes a request made in the middle of a dialog."""
        dialog = self.dialogs[session.dialog]
        kinds = dialog.non_answers.get(session.state, ())
        said = intents.non_answer(turn.text) if kinds else None
        if said == "explain" and said in kinds:
            explained = Reply(turn.t(f"explain.{dialog.name}.{session.state}"))
            return await self._apply(turn, session, Retry(explained))
        if said is not None and said in kinds:  # stored as the content file's words, never as typed
            turn.inbound = dataclasses.replace(turn.inbound, text=turn.t(NON_ANSWER_WORDS[said]))
            return None
        narrative = session.state in dialog.narrative  # an account: only a short or "?" question interrupts it
        if narrative and not (turn.text.endswith("?") or len(turn.text.split()) <= 6):
            return None
        answered = self._topic(turn, intents.topic_question(turn.text))
        if answered is not None:
            if session.dialog == HELP:
                return await self._finish(turn, session, (answered,))
            return await self._apply(turn, session, Retry(answered))
        wanted = None if narrative or session.dialog == PAUSE else intents.request(turn.text)
        return await self._switch(turn, session, wanted) if wanted in self.dialogs else None

    def _topic(self, turn: Turn, topic: str | None) -> Reply | None:
        """Returns a help topic's text, when it is one of the content file's topics."""
        known = {i for i, _ in self.services.words.help_topics()}
        return Reply(turn.t(f"help.topic.{topic}")) if topic in known else None

    async def _switch(self, turn: Turn, session: SavedSession, wanted: str | None) -> list[Reply]:
        """Starts the dialog asked for: the help menu gives way; anything else is offered a pause first."""
        if wanted == session.dialog or wanted is None:
            return await self._resume(turn, session, turn.t("engine.resuming"))
        if session.dialog == HELP:
            turn.data[THEN] = wanted
            return await self._finish(turn, session, ())
        return await self._begin(turn, session, PAUSE, {"to": wanted})

    def _state(self, session: SavedSession) -> State[str]:
        return self.dialogs[session.dialog].states[session.state]

    async def _idle(self, turn: Turn) -> list[Reply]:
        """Works out what someone wants when no dialog is running."""
        if turn.choice is not None:
            return [Reply(turn.t("engine.stale_no_session")), self._menu(turn)]
        typed = alerts.typed_action(turn.text) if turn.person.is_dsl else None  # "ack", "add a note"
        if typed is not None:
            return await self._begin(turn, None, "dsl_action", typed)
        kind, value = intents.main_menu(turn.text) or ("", "")
        answered = self._topic(turn, value) if kind == "topic" else None
        if answered is not None:
            return [answered, self._menu(turn)]
        if kind == "unsure" and HELP in self.dialogs:  # to tell or to learn? Ask, never guess a concern
            return await self._begin(turn, None, HELP, {"unsure": value})
        if kind == "dialog" and value in self.dialogs and (value != "dsl_open" or turn.person.is_dsl):
            return await self._begin(turn, None, value, {})
        return [self._menu(turn, greet=True)]

    def _menu(self, turn: Turn, greet: bool = False) -> Reply:
        """Returns the main menu of what the bot can do."""
        choices = [
            Choice(f"{GO_PREFIX}raise_concern", turn.t("menu.raise")),
            Choice(f"{GO_PREFIX}who", turn.t("menu.who")),
            Choice(f"{GO_PREFIX}help", turn.t("menu.help")),
            Choice(f"{GO_PREFIX}mine", turn.t("menu.mine")),
        ]
        if self.services.training is not None:
            choices.append(Choice(f"{GO_PREFIX}my_training", turn.t("menu.training")))
        if turn.person.is_dsl:
            choices.append(Choice(f"{GO_PREFIX}dsl_open", turn.t("menu.dsl_open")))
            if self.services.training is not None:
                choices.append(Choice(f"{GO_PREFIX}training_done?for=other", turn.t("menu.record_training")))
        text = turn.t("menu.greeting", name=turn.person.name) if greet else turn.t("menu.again")
        return Reply(text, tuple(choices), expects="choice")

    async def _begin(
        self, turn: Turn, outer: SavedSession | None, name: str, params: dict[str, str], version: int = 0
    ) -> list[Reply]:
        """Starts a dialog, suspending any unfinished one so that nothing is lost."""
        dialog = self.dialogs.get(name)
        if dialog is None:
            return [Reply(turn.t("engine.unknown_button")), self._menu(turn)]
        turn.data = {ONCE: secrets.token_hex(16)}  # saved with the first question, before any side effect
        if outer is not None:
            turn.data["_outer"] = _pack(outer)
        session = SavedSession(dialog.name, dialog.first, turn.data, "", [],
                               outer.version if outer else version)
        outcome = await dialog.setup(turn, params) if dialog.setup is not None else None
        outcome = outcome or Next(dialog.first)
        if isinstance(outcome, Next):  # where "start again" comes back to: this state, with what setup found
            turn.data[START] = {"state": outcome.state, "data": _copy(_own(turn.data))}
        return await self._apply(turn, session, outcome, entering=True)

    async def _resume(self, turn: Turn, session: SavedSession, note: str) -> list[Reply]:
        """Asks the current question again after a note."""
        return await self._apply(turn, session, Retry(Reply(note)))

    async def _stale(self, turn: Turn, session: SavedSession) -> list[Reply]:
        """Refuses a tap on an old button kindly and asks the current question again."""
        return await self._apply(turn, session, Retry(Reply(turn.t("engine.stale"))))

    async def _command(self, turn: Turn, session: SavedSession, command: str) -> list[Reply]:
        """Carries out cancel, back, start again, help or who-to-talk-to inside a dialog."""
        dialog = self.dialogs[session.dialog]
        if command == "cancel":
            extra = await dialog.on_cancel(turn) if dialog.on_cancel else ()
            return await self._finish(turn, session, (*extra, Reply(turn.t("engine.cancelled"))))
        if command == "back":
            if not session.history:
                return await self._apply(turn, session, Retry(Reply(turn.t("engine.no_back"))))
            session.state = session.history.pop()
            return await self._ask(turn, session, ())
        if command == "restart":
            return await self._restart(turn, session, dialog)
        if command == "who":
            contacts = self.services.directory.contacts(turn.now)
            return await self._apply(turn, session, Retry(contacts_reply(contacts, self.services.words, turn.now)))
        return await self._apply(turn, session, Retry(Reply(turn.t(f"help.step.{session.dialog}"))))

    async def _restart(self, turn: Turn, session: SavedSession, dialog: Dialog[Any]) -> list[Reply]:
        """Goes back to where the dialog began, keeping what its setup found (and what on_restart keeps)."""
        start = turn.data.get(START)
        began = start if isinstance(start, dict) and start.get("state") in dialog.states else {}
        kept = dialog.on_restart(turn.data) if dialog.on_restart else _copy(began.get("data") or {})
        outer, token = turn.data.get("_outer"), turn.data.get(ONCE)  # still the same dialog run: same keys
        turn.data.clear()
        turn.data.update(kept)
        turn.data.update({k: v for k, v in ((START, start), ("_outer", outer), (ONCE, token)) if v is not None})
        session.history.clear()
        restarted = Next(str(began.get("state", dialog.first)), Reply(turn.t("engine.restarted")))
        return await self._apply(turn, session, restarted, entering=True)

    async def _apply(
        self, turn: Turn, session: SavedSession, outcome: Outcome[str], entering: bool = False
    ) -> list[Reply]:
        """Applies a step's outcome: moves state, saves the session, returns the replies."""
        if isinstance(outcome, Done):
            return await self._finish(turn, session, outcome.replies)
        if isinstance(outcome, Retry):
            return await self._ask(turn, session, (outcome.reply,))
        if not entering and outcome.state != session.state:
            session.history.append(session.state)
        session.state = outcome.state
        return await self._ask(turn, session, outcome.before)

    async def _ask(self, turn: Turn, session: SavedSession, before: tuple[Reply, ...]) -> list[Reply]:
        """Saves the session with a fresh prompt token and asks the current state's question."""
        question = await self._state(session).ask(turn)
        session.prompt_token = secrets.token_hex(4)
        session.data = turn.data
        await self.store.save(turn.person.school_id, turn.inbound.conversation_key, turn.person, session)
        session.version += 1
        return [*before, dataclasses.replace(question, prompt_token=session.prompt_token)]

    async def _finish(self, turn: Turn, session: SavedSession, replies: tuple[Reply, ...]) -> list[Reply]:
        """Ends a dialog, returning to a suspended one if there was one."""
        outer, then = turn.data.get("_outer"), turn.data.get(THEN)
        if isinstance(then, str) and then in self.dialogs:
            return await self._then(turn, session, replies, then)
        if isinstance(outer, dict):
            restored = _unpack(outer)
            restored.version = session.version
            turn.data = restored.data
            note = Reply(turn.t("engine.back_to", dialog=turn.t(f"dialog.{restored.dialog}")))
            return [*replies, *(await self._ask(turn, restored, (note,)))]
        if session.version > 0:
            await self.store.delete(turn.person.school_id, turn.inbound.conversation_key)
        return list(replies) if replies and replies[-1].choices else [*replies, self._menu(turn)]


    async def _then(self, turn: Turn, session: SavedSession, replies: tuple[Reply, ...], name: str) -> list[Reply]:
        """Ends a dialog and begins the one it named, keeping any suspended dialog waiting (or carrying it on)."""
        outer = turn.data.get("_outer")
        restored = _unpack(outer) if isinstance(outer, dict) else None
        if restored is not None:
            restored.version = session.version
            turn.data = restored.data
            if restored.dialog == name:
                return [*replies, *(await self._resume(turn, restored, turn.t("engine.resuming")))]
        return [*replies, *(await self._begin(turn, restored, name, {}, version=session.version))]


def _token_of(key: str, session: SavedSession) -> str:
    """Returns a token for a session saved without one (before tokens, or restored from an older suspended one).

    Made from what was loaded (its version and save time), so a turn run again after a crash makes
    the same one; it is saved with the session at the turn's end, and later turns use that.
    """
    seed = f"{key}|{session.version}|{session.updated_at.isoformat() if session.updated_at else ''}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def _own(data: dict[str, object]) -> dict[str, object]:
    """A dialog's own data, without what the engine keeps in it."""
    return {k: v for k, v in data.items() if k not in ("_outer", START, ONCE)}


def _copy(data: object) -> dict[str, object]:
    """A deep copy of saved data (it is JSON)."""
    copied = json.loads(json.dumps(data))
    return copied if isinstance(copied, dict) else {}


def _pack(session: SavedSession) -> dict[str, object]:
    """Serialises a session so it can wait inside another one."""
    return {"dialog": session.dialog, "state": session.state, "data": session.data,
            "history": list(session.history)}


def _unpack(packed: dict[str, object]) -> SavedSession:
    """Restores a session packed by `_pack`."""
    data = packed.get("data")
    history = packed.get("history")
    return SavedSession(str(packed["dialog"]), str(packed["state"]),
                        data if isinstance(data, dict) else {}, "",
                        [str(h) for h in history] if isinstance(history, list) else [])
