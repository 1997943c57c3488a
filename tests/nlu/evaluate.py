"""The language evaluation: each case of cases.jsonl typed in its state on the real engine, its outcome classified.

A case is one line of `cases.jsonl`:

    {"id": "when-017", "state": "raise_concern.when", "group": "lunchtime", "kind": "time",
     "text": "this morning around break", "expect": "next:place", "draft": {"when_text": "..."},
     "not_text": "others_aware"}

- `state`: where it is typed. "menu" (nobody in a dialog, the main menu shown), "help" (the help topics),
  "raise_concern.<state>" (a concern half-told, reached by ordinary taps and answers: `SCRIPTS`), "dsl_alert"
  (a DSL member, one new concern alerted) and "dsl_alert.two" (two new concerns).
- `group`: who typed it (teacher, ta, lunchtime, office, caretaker, dsl); `kind`: what kind of thing it is
  (answer, dont_know, help_question, intent, command, edit, dsl_action, yes_no, time, name, category...).
- `expect`, as `observe` names outcomes: `next:<state>` (the answer was taken and the dialog moved there),
  `asks_again` (same question, nothing stored), `start:<dialog>` (a dialog began, or was offered as a
  button), `topic:<id>` (that help topic was answered), `who` (who to talk to), `command:<cancel|back|restart|
  help>`, `menu`, `submitted` (the concern was sent), `dsl:<view|ack|note|action|close|which>`.
- `draft` (optional): values the concern's draft must hold afterwards (strings compared without case or
  surrounding space); `not_text` (optional): a field that must not hold the typed words (a "don't know" is
  stored as not known, never as the answer).

Every case runs in a conversation of its own on one app: the state's session is made once by its script, then
copied under the case's key with a fresh run token, so the whole set takes seconds.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import func, select

from bot.app import App, build
from bot.config import demo_text, parse
from dialogs.concern_draft import draft_in
from dialogs.contacts import contacts_reply
from dialogs.engine import Dialog
from dialogs.messages import Inbound, Reply, UserRef
from dialogs.ports import ConcernDraft, Person, SavedSession
from storage.models import Audit, Concern
from tests.helpers import DSL_EMAIL, TEACHER_EMAIL, Conversation, FrozenClock, make_settings

CASES = Path(__file__).with_name("cases.jsonl")
_FAST = "/dev/shm" if Path("/dev/shm").is_dir() else None  # a database in memory: no waiting on the disk
Step = tuple[str, str]  # ("tap", choice id) or ("say", text)
_RC = "raise_concern."
_TO_ABOUT: list[Step] = [("tap", "go:raise_concern"), ("tap", "no")]
_TO_PUPIL = [*_TO_ABOUT, ("tap", "child")]
_TO_ACCOUNT = [*_TO_PUPIL, ("say", "Jamie Testpupil"), ("say", "Year 9")]
_TO_CATEGORY = [*_TO_ACCOUNT, ("say", "Came in hungry again, no coat"), ("tap", "done"),
                ("say", "I haven't eaten since Friday")]
_TO_WHEN = [*_TO_CATEGORY, ("tap", "neglect"), ("tap", "done")]
_TO_OTHERS = [*_TO_WHEN, ("say", "today 09:00"), ("say", "Form room"), ("say", "Gave breakfast, listened")]
_TO_PRESENT = [*_TO_OTHERS, ("say", "Nobody else")]
SCRIPTS: dict[str, list[Step]] = {  # how each state is reached: ordinary taps and answers
    "help": [("tap", "go:help")],
    "raise_concern.danger": [("tap", "go:raise_concern")],
    "raise_concern.about": _TO_ABOUT,
    "raise_concern.adult_kind": [*_TO_ABOUT, ("tap", "adult")],
    "raise_concern.pupil": _TO_PUPIL,
    "raise_concern.pupils": [*_TO_ABOUT, ("tap", "children")],
    "raise_concern.year_group": [*_TO_PUPIL, ("say", "Jamie Testpupil")],
    "raise_concern.seen_heard": _TO_ACCOUNT,
    "raise_concern.seen_more": [*_TO_ACCOUNT, ("say", "Came in hungry again, no coat")],
    "raise_concern.child_words": [*_TO_ACCOUNT, ("say", "Came in hungry again, no coat"), ("tap", "done")],
    "raise_concern.category": _TO_CATEGORY,
    "raise_concern.indicators": [*_TO_CATEGORY, ("tap", "radicalisation"), ("tap", "done")],
    "raise_concern.when": _TO_WHEN,
    "raise_concern.place": [*_TO_WHEN, ("say", "today 09:00")],
    "raise_concern.actions_taken": [*_TO_WHEN, ("say", "today 09:00"), ("say", "Form room")],
    "raise_concern.others_aware": _TO_OTHERS,
    "raise_concern.present": _TO_PRESENT,
    "raise_concern.child_told": [*_TO_PRESENT, ("tap", "nobody")],
    "raise_concern.review": [*_TO_PRESENT, ("tap", "nobody"), ("tap", "yes")],
}
DSL_STATES = {"dsl_alert": 1, "dsl_alert.two": 2}  # a DSL member with this many new concerns alerted
_DSL_STATE = {"which": "which", "note_text": "note", "action_type": "action", "action_reason": "action",
              "close_outcome": "close", "close_reason": "close"}
_MENU = {"go:raise_concern", "go:who", "go:help"}


@dataclass(frozen=True, slots=True)
class Case:
    """One utterance of the evaluation set, the state it is typed in and what should come of it."""

    id: str
    state: str
    group: str
    kind: str
    text: str
    expect: str
    draft: dict[str, object] = field(default_factory=dict)
    not_text: str = ""


@dataclass(frozen=True, slots=True)
class Result:
    """What came of one case: right or not, the outcome seen, and why it is wrong."""

    case: Case
    got: str
    why: str = ""

    @property
    def right(self) -> bool:
        """True when the outcome and every stored value are as the case says."""
        return not self.why

    @property
    def into_concern(self) -> bool:
        """True for a help question that was taken as (part of) a concern."""
        return self.case.kind == "help_question" and (
            self.got == "start:raise_concern" or self.got.startswith(("next:", "kept:")))


def load_cases(path: Path = CASES) -> list[Case]:
    """Reads the evaluation set (one JSON object a line)."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            cases.append(Case(str(raw["id"]), str(raw["state"]), str(raw["group"]), str(raw["kind"]),
                              str(raw["text"]), str(raw["expect"]), dict(raw.get("draft") or {}),
                              str(raw.get("not_text") or "")))
    return cases


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a case's turn may change: the session's place and draft, the concerns and views."""

    dialog: str = ""
    state: str = ""
    history: tuple[str, ...] = ()
    draft: dict[str, object] = field(default_factory=dict)
    concerns: int = 0
    acknowledged: int = 0
    views: int = 0


class Evaluator:
    """Runs cases on one app: a demo school on a temporary SQLite file, the clock frozen in term time."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._templates: dict[str, SavedSession] = {}
        self._n = 0
        self._dialogs = _Recording(app.engine.dialogs)
        app.engine.dialogs = self._dialogs  # so a case sees which dialog its words began

    def _user(self, email: str) -> UserRef:
        return UserRef("console", "test", email, email)

    async def _person(self, email: str) -> Person:
        return await self.app.engine.services.directory.identify(self._user(email))

    async def snapshot(self, key: str) -> Snapshot:
        """Reads the conversation's session and the counts a turn may change."""
        session = await self.app.engine.store.load(self.app.school_id, key)
        count = select(func.count()).select_from(Concern)
        views = select(func.count()).select_from(Audit).where(Audit.action == "concern.view")
        async with self.app.db.reading() as db:  # one query for the three counts
            concerns, acked, views_ = (await db.exec(select(count.scalar_subquery(),
                                                            count.where(Concern.status != "new").scalar_subquery(),
                                                            views.scalar_subquery()))).one()
        if session is None:
            return Snapshot(concerns=concerns, acknowledged=acked, views=views_)
        draft = draft_in(session.data).to_json() if session.dialog == "raise_concern" else {}
        if session.data.get("_proposed"):  # kinds read from everyday words, offered for one tap to confirm
            draft["category"] = ",".join(c for c in (str(draft.get("category") or ""), str(session.data["_proposed"]))
                                         if c)
        return Snapshot(session.dialog, session.state, tuple(session.history), draft, concerns, acked, views_)

    async def _template(self, state: str) -> SavedSession:
        """Reaches a state once by its script and keeps the session it saved."""
        if state not in self._templates:
            convo = Conversation(self.app.engine, TEACHER_EMAIL, key=f"eval-template:{state}")
            await convo.greet()
            for how, what in SCRIPTS[state]:
                await (convo.tap(what) if how == "tap" else convo.say(what))
            session = await self.app.engine.store.load(self.app.school_id, convo.key)
            dialog, _, step = state.partition(".")
            if session is None or (session.dialog, session.state) != (dialog, step or session.state):
                got = f"{session.dialog}.{session.state}" if session else "no dialog"
                raise AssertionError(f"the script for {state} ended in {got}: update SCRIPTS in {__file__}")
            self._templates[state] = session
        return self._templates[state]

    async def _place(self, case: Case, key: str) -> str:
        """Puts a fresh conversation into the case's state; returns who types in it."""
        if case.state in DSL_STATES:
            await self._close_all()  # concerns submitted by earlier cases
            for _ in range(DSL_STATES[case.state]):
                await self._raise_one()
            return DSL_EMAIL
        if case.state == "menu":
            await self.app.engine.greet(Inbound(self._user(TEACHER_EMAIL), key))
            return TEACHER_EMAIL
        template = await self._template(case.state)
        data = json.loads(json.dumps(template.data))
        data["_once"] = secrets.token_hex(16)  # its own run: its effects never count as another case's
        copy = SavedSession(template.dialog, template.state, data, template.prompt_token, list(template.history))
        await self.app.engine.store.save(self.app.school_id, key, await self._person(TEACHER_EMAIL), copy)
        return TEACHER_EMAIL

    async def _raise_one(self) -> None:
        """Raises a concern about a child as the teacher (straight to the desk, as the dialog would)."""
        draft = ConcernDraft(about="child", pupils="Jamie Testpupil", year_group="Year 9", category="neglect",
                             seen_heard="Came in hungry again", when_text="today", place="Form room")
        await self.app.concerns.submit(await self._person(TEACHER_EMAIL), draft, secrets.token_hex(8))

    async def _close_all(self) -> None:
        """Closes every open concern, so the next DSL case starts with only its own."""
        async with self.app.db.transaction() as db:
            for concern in (await db.exec(select(Concern).where(Concern.status != "closed"))).all():
                concern.status = "closed"
                db.add(concern)

    async def run(self, case: Case) -> Result:
        """Types the case's words in its state and classifies what came of it."""
        self._n += 1
        key = f"eval:{self._n}:{case.id}"
        email = await self._place(case, key)
        before = await self.snapshot(key)
        self._dialogs.began.clear()
        replies = await self.app.engine.handle(Inbound(self._user(email), key, text=case.text))
        after = await self.snapshot(key)
        got = self.observe(before, after, replies, tuple(self._dialogs.began))
        return Result(case, got, self._wrong(case, got, after))

    def observe(self, before: Snapshot, after: Snapshot, replies: Sequence[Reply], began: Sequence[str]) -> str:
        """Names what a turn did, in the words `expect` uses."""
        words = self.app.words
        texts = "\n".join(r.text for r in replies)
        if after.acknowledged > before.acknowledged:
            return "dsl:ack"
        if after.views > before.views:
            return "dsl:view"
        if before.dialog == "raise_concern" and after.dialog != "raise_concern" and after.concerns > before.concerns:
            return "submitted"
        if words("engine.cancelled") in texts:
            return "command:cancel"
        if words("engine.restarted") in texts:
            return "command:restart"
        for topic, _ in words.help_topics():
            if words(f"help.topic.{topic}")[:120] in texts:
                return f"topic:{topic}"
        now = self.app.clock()
        if contacts_reply(self.app.directory.contacts(now), words, now).text in texts:
            return "who"
        if before.dialog and words(f"help.step.{before.dialog}") in texts:
            return "command:help"
        if "dsl_action" in began:
            return f"dsl:{_DSL_STATE.get(after.state, 'done')}" if after.dialog == "dsl_action" else "dsl:done"
        if began:
            return f"start:{began[0]}"
        menu = any({c.id for c in r.choices} >= _MENU for r in replies)
        offered = {c.id.removeprefix("go:").partition("?")[0] for r in replies for c in r.choices
                   if c.id.startswith("go:")}
        if offered and not menu:
            return "start:" + ("raise_concern" if "raise_concern" in offered else sorted(offered)[0])
        if not after.dialog:
            return "menu" if menu else "ended"
        if after.state != before.state:
            if before.history and after.state == before.history[-1] and len(after.history) < len(before.history):
                return "command:back"
            return f"next:{after.state}"
        return "asks_again" if after.draft == before.draft else f"kept:{after.state}"

    def _wrong(self, case: Case, got: str, after: Snapshot) -> str:
        """Says why a case's outcome is wrong ("" when it is right)."""
        if not matches(case.expect, got):
            return f"expected {case.expect}, got {got}"
        for name, value in case.draft.items():
            stored = after.draft.get(name)
            if isinstance(value, str) and value.startswith("~"):  # "~radicalisation": holds it (or "~a|b" either)
                same = any(v.casefold() in str(stored).casefold().split(",") for v in value[1:].split("|"))
            else:
                same = (str(stored).strip().casefold() == str(value).strip().casefold()
                        if isinstance(value, str) else stored == value)
            if not same:
                return f"{name} stored as {stored!r}, expected {value!r}"
        if case.not_text:
            stored = str(after.draft.get(case.not_text, "")).strip().casefold()
            if stored == case.text.strip().casefold():
                return f"{case.not_text} stored as the typed words {case.text!r}"
        return ""


def matches(expect: str, got: str) -> bool:
    """True when an outcome is one the case allows ("a|b" for either; "next:*" for any next state)."""
    return any(got == e or (e == "next:*" and got.startswith("next:")) for e in expect.split("|"))


class _Recording(Mapping[str, Dialog[Any]]):
    """The engine's dialogs, noting each one a turn begins (the engine begins one by `get`)."""

    def __init__(self, dialogs: Mapping[str, Dialog[Any]]) -> None:
        self._dialogs = dialogs
        self.began: list[str] = []

    def __getitem__(self, name: str) -> Dialog[Any]:
        return self._dialogs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dialogs)

    def __len__(self) -> int:
        return len(self._dialogs)

    def get(self, name: str, default: Any = None) -> Any:
        """Returns the dialog, noting that it was begun."""
        if name in self._dialogs:
            self.began.append(name)
        return self._dialogs.get(name, default)


async def make_app(folder: Path) -> App:
    """Builds the real app on a fresh SQLite file in `folder`: the demo school, the clock frozen in term time."""
    return await build(make_settings(f"sqlite:///{folder / 'prevent.db'}"), config=parse(demo_text(), "demo"),
                       clock=FrozenClock())


async def evaluate(cases: Sequence[Case] | None = None) -> list[Result]:
    """Runs every case (the whole set by default) on one temporary app; returns the results in order."""
    with tempfile.TemporaryDirectory(dir=_FAST) as folder:
        app = await make_app(Path(folder))
        try:
            evaluator = Evaluator(app)
            return [await evaluator.run(case) for case in (cases if cases is not None else load_cases())]
        finally:
            await app.close()


@dataclass(frozen=True, slots=True)
class Score:
    """The set's figures: how many right, and help questions taken as a concern."""

    right: int
    total: int
    into_concern: int

    @property
    def accuracy(self) -> float:
        """The share right (0 to 1)."""
        return self.right / self.total if self.total else 0.0


def score(results: Sequence[Result]) -> Score:
    """Counts the results."""
    return Score(sum(r.right for r in results), len(results), sum(r.into_concern for r in results))


# A teaching assistant raising a concern for the first time, typing as people do (issue 14): for each question,
# what they type first, then what they try when asked again (in the end the button, as a last resort).
NATURAL: dict[str, tuple[str, ...]] = {
    "danger": ("no not right now i dont think", "no"),
    "about": ("a pupil in year 9", "tap:child"),
    "pupil": ("Jayden Mcarthy 9C", "Jayden Mcarthy"),
    "pupil_check": ("yes", "tap:yes"),  # "Jayden Mcarthy, class 9C — right?"
    "year_group": ("9C", "Year 9"),
    "seen_heard": ("he was showing other kids a video on his phone of some far right group, saying they're right",),
    "seen_more": ("thats it", "tap:done"),
    "child_words": ("he said they're the only ones telling the truth",),
    "category": ("i think its radicalisation, hes been saying stuff about a far right group", "radicalisation",
                 "tap:radicalisation"),
    "indicators": ("dunno", "tap:none"),
    "when": ("this morning around break", "today around 10.30", "today 10:30"),
    "place": ("the lunch hall",),
    "actions_taken": ("told him to put his phone away and came to find you",),
    "others_aware": ("I don't know", "nobody"),
    "present": ("a couple of his mates",),
    "child_told": ("yes i told him i'd have to pass it on", "tap:yes"),
    "review": ("ok send it", "tap:submit"),
}
MORE = {"category": ("that's all", "tap:done")}  # a kind taken, "any other kind?"
OPENING = "I'm worried about a pupil"  # typed at the main menu


@dataclass(frozen=True, slots=True)
class Journey:
    """The first-time user's journey: messages sent, the fewest possible, refusals, and whether it was sent."""

    messages: int
    minimum: int
    refused: tuple[str, ...]
    submitted: bool
    transcript: tuple[str, ...]


async def _fewest(app: App) -> int:
    """The fewest messages that raise the same concern: the menu button, then a tap or an answer a question."""
    taps = [("tap", "go:raise_concern"), ("tap", "no"), ("tap", "child"), ("say", "Jayden Mcarthy"), ("say", "9C"),
            ("say", "he was showing a video"), ("tap", "done"), ("say", "he said they're right"),
            ("tap", "radicalisation"), ("tap", "done"), ("tap", "none"), ("say", "today 10:30"),
            ("say", "the lunch hall"), ("say", "told him"), ("say", "nobody"), ("say", "his mates"), ("tap", "yes"),
            ("tap", "submit")]
    convo = Conversation(app.engine, "fewest@school.example")
    await convo.greet()
    for how, what in taps:
        await (convo.tap(what) if how == "tap" else convo.say(what))
    assert await app.engine.store.load(app.school_id, convo.key) is None, "the fewest path did not submit"
    return len(taps)


async def first_time_user(app: App, limit: int = 60) -> Journey:
    """Plays the teaching assistant: types naturally, tries again when asked again, counts every message."""
    convo = Conversation(app.engine, "new.ta@school.example")
    await convo.greet()
    await convo.say(OPENING)
    sent, refused, transcript = 1, [], [f"menu: {OPENING}"]
    tries: dict[str, int] = {}
    if (await app.engine.store.load(app.school_id, convo.key)) is None:
        await convo.tap("go:raise_concern")  # not understood: the menu's button
        sent, refused = sent + 1, [f"menu: {OPENING}"]
    more: set[str] = set()  # states that took an answer and asked for more of the same ("any other kind?")
    last: tuple[str, object] = ("", None)
    while sent < limit:
        session = await app.engine.store.load(app.school_id, convo.key)
        if session is None or session.dialog != "raise_concern":
            break
        state, draft = session.state, session.data.get("draft")
        if state == last[0] and draft != last[1] and state in MORE:
            more.add(state)
        key = f"{state}+" if state in more else state
        answers = MORE[state] if state in more else NATURAL.get(state, ("tap:done",))
        if session.data.get("_proposed"):  # "It sounds like: radicalisation. Is that right?"
            key, answers = f"{state}?", ("yes", "tap:proposed")
        attempt = tries.get(key, 0)
        if attempt:
            refused.append(f"{state}: {answers[min(attempt, len(answers)) - 1]}")
        tries[key] = attempt + 1
        answer = answers[min(attempt, len(answers) - 1)]
        transcript.append(f"{state}: {answer}")
        last = (state, draft)
        await (convo.tap(answer[4:]) if answer.startswith("tap:") else convo.say(answer))
        sent += 1
    async with app.db.transaction() as db:
        mine = (await db.exec(select(func.count()).select_from(Concern))).one()
    return Journey(sent, await _fewest(app), tuple(refused), mine > 0, tuple(transcript))
