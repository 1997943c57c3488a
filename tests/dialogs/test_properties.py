"""No input breaks a turn: random sequences of what staff send, on the real engine and storage, checked every step.

A `RuleBasedStateMachine` plays three people (a teacher on Slack, a member of support staff on Teams and the
demo school's DSL on the console) typing anything, pressing current, old, foreign and forged buttons, tapping
twice, restarting the bot and crashing part-way through a turn. After every step it checks the invariants in
`check_turn`. Profiles (tests/conftest.py): "ci" by default, `--hypothesis-profile=long` for the long run;
`PREVENT_FUZZ_STATS=1` prints what was sent (docs/testing.md).
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from dialogs.alerts import parse_concern_id
from dialogs.engine import Turn
from dialogs.messages import Inbound, Reply, UserRef
from dialogs.ports import Person, SavedSession
from dialogs.raise_concern import draft_in, review_facts
from tests.dialogs import fuzz_inputs as inputs
from tests.dialogs.fuzz_harness import Harness, LogTrap, SimulatedCrash, World, too_long
from tests.helpers import DSL_EMAIL, TEACHER_EMAIL

REFERENCE = re.compile(r"C-\d{4}-\d{4,}")
STATS: Counter[str] = Counter()

# A sensible answer for each question (a marker, {m}, where the person's own words would be).
SENSIBLE: dict[str, tuple[str, ...]] = {
    "raise_concern.danger": ("no", "No", "yes"),
    "raise_concern.about": ("child", "a child", "children", "an adult", "Alex Example", "the headteacher"),
    "raise_concern.adult_kind": ("allegation", "a low-level concern", "extremism"),
    "raise_concern.adult_route": ("no", "lado"),
    "raise_concern.adult_name": ("Sam {m}, supply teacher",),
    "raise_concern.seen_more": ("that's all", "done", "And then he left {m}"),
    "raise_concern.present": ("Nobody else", "Two pupils {m}"),
    "raise_concern.child_told": ("yes", "no"),
    "raise_concern.pupil": ("{m} Testpupil", "Ana {m}-Example", "Ana {m}-Example 9C", "{m} Testpupil year 9"),
    "raise_concern.pupils": ("{m} Testpupil and Ana Example", "{m} Testpupil 9C, Ana Example 9D", "Zoe"),
    "raise_concern.pupil_check": ("yes", "no", "{m} Testpupil 8B"),
    "raise_concern.year_group": ("Year 9", "9B", "Reception"),  # shown in the DSL alert: never a marker
    "raise_concern.category": ("neglect", "radicalisation", "online safety", "3", "not sure", "that's all",
                               "neglect and online safety", "far right stuff", "she's self-harming", "yes",
                               "dunno"),
    "raise_concern.indicators": ("Talks about a group online {m}",),
    "raise_concern.seen_heard": ("Came in hungry again {m}",),
    "raise_concern.child_words": ("I haven't eaten since Friday {m}",),
    "raise_concern.when": ("today 09:00", "yesterday", "now", "this morning around break", "not sure",
                           "today around 10.30", "yesterday after school", "last Tuesday", "after school"),
    "raise_concern.place": ("Form room {m}",),
    "raise_concern.actions_taken": ("Gave breakfast, listened {m}",),
    "raise_concern.others_aware": ("Nobody else {m}",),
    "raise_concern.review": ("submit", "send it"),
    "dsl_action.note_text": ("Spoke to form tutor {m}",),
    "dsl_action.action_type": ("early help", "monitor"),
    "dsl_action.action_reason": ("Family agreed {m}",),
    "dsl_action.close_outcome": ("no further action", "monitor"),
    "dsl_action.close_reason": ("Resolved after talking to parents {m}",),
    "training_done.who": (TEACHER_EMAIL, "nobody@school.example"),
    "training_done.completed_on": ("today", "yesterday"),
    "training_done.certificate": ("certificate.pdf",),
    "policy_review.reviewed_on": ("today",),
    "policy_review.note": ("Reviewed with governors",),
    "help.topic": ("what is prevent", "signs", "what's Channel"),
    "help.unsure": ("raise a concern", "find out about signs", "learn"),
    "pause.offer": ("yes", "no", "carry on"),
}


@dataclass(eq=False)
class Actor:
    """One person talking to the bot, and what they have been shown."""

    name: str
    user: UserRef
    key: str
    marker: str  # typed into everything this person tells; must never reach anyone else
    dsl: bool
    staff_id: int = 0
    replies: list[Reply] = field(default_factory=list)
    buttons: list[tuple[str, str | None]] = field(default_factory=list)  # every button shown, with its token
    question: Reply | None = None  # the question the person was last asked, while a dialog runs
    last: Inbound | None = None

    def choices(self) -> list[tuple[str, str | None]]:
        """The buttons on the last turn's replies, each with the prompt token it carries."""
        return [(c.id, r.prompt_token) for r in self.replies for c in r.choices]


def people() -> list[Actor]:
    """A teacher (Slack), a member of support staff (Teams) and the demo school's DSL (console)."""
    support = "support.staff@school.example"
    return [
        Actor("teacher", UserRef("slack", "T01", "U0TEACH", TEACHER_EMAIL), "slack:T01:D0TEACH", "Zorvexa", False),
        Actor("support", UserRef("teams", "tenant", "29:support", support), "teams:tenant:a:support",
              "Quillbrix", False),
        Actor("dsl", UserRef("console", "local", DSL_EMAIL, DSL_EMAIL), f"console:{DSL_EMAIL}", "Mobrandt", True),
    ]


def same(a: SavedSession | None, b: SavedSession | None) -> bool:
    """True when two loaded sessions are the same saved place."""
    if a is None or b is None:
        return a is b
    return (a.dialog, a.state, a.data, a.prompt_token, a.history, a.version) == \
           (b.dialog, b.state, b.data, b.prompt_token, b.history, b.version)


def shown(replies: list[Reply]) -> str:
    """Everything a person sees in some replies: text, facts and button labels."""
    parts = [r.text for r in replies] + [f"{a} {b}" for r in replies for a, b in r.facts]
    return "\n".join(parts + [c.label for r in replies for c in r.choices]).casefold()


def effects(before: World, after: World) -> bool:
    """True when storage gained a concern, a chronology event or an outbox row in between."""
    return (after.concerns.keys() != before.concerns.keys() or after.last_event != before.last_event
            or after.last_outbox != before.last_outbox)


class ConversationMachine(RuleBasedStateMachine):
    """Drives the real app as three people and checks the invariants after every turn."""

    def __init__(self) -> None:
        super().__init__()
        self.h = Harness()
        self.trap = LogTrap().__enter__()
        self.actors = {a.name: a for a in people()}
        for actor in self.actors.values():
            actor.staff_id = self.h.staff_id(actor.user)
        self.world = self.observe()  # storage as it is now (kept up to date after every turn)
        STATS["examples"] += 1

    def teardown(self) -> None:
        """Checks the logs, then closes the app, its loop and its folder."""
        try:
            logged = "\n".join(self.trap.lines).casefold()
            for actor in self.actors.values():
                assert actor.marker.casefold() not in logged, f"{actor.name}'s words reached the log"
            assert not too_long(self.h.path), f"PostgreSQL would refuse: {too_long(self.h.path)}"
        finally:
            self.trap.__exit__()
            self.h.close()

    # --- building what people send ------------------------------------------------------------

    def typed(self, actor: Actor, text: str, files: int = 0) -> Inbound:
        """A message the person typed."""
        return Inbound(actor.user, actor.key, text=text, files=files)

    def pressed(self, actor: Actor, choice: str, prompt_token: str | None) -> Inbound:
        """A button the person pressed."""
        return Inbound(actor.user, actor.key, choice=choice, prompt_token=prompt_token)

    def observe(self, since: World | None = None) -> World:
        """Storage now, with every person's session (and, given `since`, what was written after it)."""
        return self.h.world([a.key for a in self.actors.values()], since)

    def where(self, actor: Actor) -> str:
        """The dialog and state the person's conversation is at ("" when none)."""
        session = self.world.sessions[actor.key]
        return f"{session.dialog}.{session.state}" if session else ""

    def sensible(self, actor: Actor, data: st.DataObject) -> Inbound:
        """What a person would plausibly send next: an answer, one of the buttons, now and then back or start again."""
        texts, buttons = SENSIBLE.get(self.where(actor)), actor.choices()
        kinds = 10 * ("text",) * bool(texts) + 10 * ("button",) * bool(buttons) + ("command",)
        kind = data.draw(st.sampled_from(kinds))
        if kind == "text" and texts:
            text, around = data.draw(st.sampled_from(texts)), data.draw(st.sampled_from(inputs.DECORATIONS))
            return self.typed(actor, f"{around}{text.format(m=actor.marker)}{around}")
        if kind == "button":
            return self.pressed(actor, *data.draw(st.sampled_from(buttons)))
        if texts or buttons:
            return self.typed(actor, data.draw(st.sampled_from(("back", "start again"))))
        return self.typed(actor, data.draw(st.sampled_from(("I'm worried about a pupil", "who do I talk to?"))))

    # --- rules ----------------------------------------------------------------------------------

    @rule(actor=st.sampled_from(("teacher", "support", "dsl")), data=st.data(), count=st.integers(1, 20))
    def answer(self, actor: str, data: st.DataObject, count: int) -> None:
        """Answers the next few questions sensibly (so that concerns get told, submitted and triaged)."""
        person = self.actors[actor]
        for _ in range(count):
            self.send(person, self.sensible(person, data))

    @rule(actor=st.sampled_from(("teacher", "support", "dsl")), data=st.data(),
          start=st.sampled_from(("go:raise_concern", "I'm worried about a pupil", "report a concern")))
    def tell(self, actor: str, data: st.DataObject, start: str) -> None:
        """Raises a concern (or carries on the one under way), answering sensibly until it ends (25 turns at most)."""
        person = self.actors[actor]
        if self.world.sessions[person.key] is None:
            pressed = start.startswith("go:")
            self.send(person, self.pressed(person, start, None) if pressed else self.typed(person, start))
        for _ in range(25):
            if self.world.sessions[person.key] is None:
                return
            self.send(person, self.sensible(person, data))

    @rule(actor=st.sampled_from(("teacher", "support", "dsl")), text=inputs.free_text(), mark=st.booleans(),
          files=st.sampled_from((0, 0, 0, 1, 3)))
    def say(self, actor: str, text: str, mark: bool, files: int) -> None:
        """Types anything at all, often with the person's marker in it."""
        person = self.actors[actor]
        if mark and self.where(person) != "raise_concern.year_group":
            text = f"{text} {person.marker}"
        self.send(person, self.typed(person, text, files))

    @rule(actor=st.sampled_from(("teacher", "support", "dsl")), text=inputs.command())
    def command(self, actor: str, text: str) -> None:
        """Types a global command: cancel, help, who do I talk to, back, start again."""
        self.send(self.actors[actor], self.typed(self.actors[actor], text))

    @rule(actor=st.sampled_from(("teacher", "support", "dsl")), data=st.data())
    def tap_old(self, actor: str, data: st.DataObject) -> None:
        """Presses a button from any earlier message, with the token it carried then."""
        person = self.actors[actor]
        if person.buttons:
            self.send(person, self.pressed(person, *data.draw(st.sampled_from(person.buttons))))

    @rule(actor=st.sampled_from(("teacher", "support", "dsl")), other=st.sampled_from(("teacher", "support", "dsl")),
          data=st.data(), fake=inputs.token())
    def tap_foreign(self, actor: str, other: str, data: st.DataObject, fake: str | None) -> None:
        """Presses a current button with someone else's token, a made-up one, or none."""
        person, them = self.actors[actor], self.actors[other]
        if person.choices():
            choice, _ = data.draw(st.sampled_from(person.choices()))
            tokens: list[str | None] = [t for _, t in them.choices() if t]
            self.send(person, self.pressed(person, choice, data.draw(st.sampled_from([*tokens, fake]))))

    @rule(actor=st.sampled_from(("teacher", "support", "dsl")), choice=inputs.free_text(), current=st.booleans())
    def tap_invented(self, actor: str, choice: str, current: bool) -> None:
        """Presses a button that was never shown (a forged value), with the current token or none."""
        person = self.actors[actor]
        tokens = [t for _, t in person.choices() if t]
        self.send(person, self.pressed(person, choice, tokens[-1] if current and tokens else None))

    @rule(actor=st.sampled_from(("teacher", "support", "dsl")))
    def double_tap(self, actor: str) -> None:
        """Sends exactly the last message again (a double tap, or a platform's retry)."""
        person = self.actors[actor]
        if person.last is not None:
            self.send(person, person.last)

    @rule(actor=st.sampled_from(("teacher", "support", "dsl")), verb=inputs.dsl_verb(), data=st.data(),
          junk=inputs.concern_id_text(), real=st.booleans())
    def dsl_button(self, actor: str, verb: str, data: st.DataObject, junk: str, real: bool) -> None:
        """Presses a DSL alert button (`dsl:<verb>:<id>`) for a real concern or a junk id."""
        person = self.actors[actor]
        known = sorted(self.world.concerns)
        concern = str(data.draw(st.sampled_from(known))) if real and known else junk
        self.send(person, self.pressed(person, f"dsl:{verb}:{concern}", None))

    @rule(actor=st.sampled_from(("teacher", "support", "dsl")), choice=inputs.go_choice(), data=st.data())
    def go_button(self, actor: str, choice: str, data: st.DataObject) -> None:
        """Presses a menu button (`go:<dialog>`), real or forged, with or without a token."""
        person = self.actors[actor]
        tokens = [t for _, t in person.choices() if t]
        self.send(person, self.pressed(person, choice, data.draw(st.sampled_from([None, *tokens[-1:]]))))

    @rule(actor=st.sampled_from(("teacher", "support", "dsl")))
    def greet(self, actor: str) -> None:
        """Opens the conversation again (the console's start): a dialog carries on at the same question."""
        self.reopen(self.actors[actor])

    @rule()
    def restart(self) -> None:
        """Restarts the bot over the same database, mid-dialog: every dialog resumes at the same question."""
        if not any(a.question for a in self.actors.values()):
            return  # not a precondition: a filtered rule makes Hypothesis keep its strategies' repr, megabytes a time
        self.h.restart()
        STATS["restarts"] += 1
        after = self.observe()
        for actor in self.actors.values():
            assert same(after.sessions[actor.key], self.world.sessions[actor.key]), f"{actor.name}'s session changed"
        for actor in self.actors.values():
            self.reopen(actor)

    @rule(actor=st.sampled_from(("teacher", "support", "dsl")), data=st.data(),
          restart=st.sampled_from((False, False, False, True)))
    def crash_then_replay(self, actor: str, data: st.DataObject, restart: bool) -> None:
        """Dies just before a turn's session is saved (its other effects done), then replays the same message."""
        person = self.actors[actor]
        inbound = self.sensible(person, data)
        self.h.store.armed = True
        try:
            replies = self.deliver(inbound)
        except SimulatedCrash:
            pass
        else:  # the turn saved no session, so there was nothing to crash in
            self.h.store.armed = False
            self.check_turn(person, inbound, replies)
            return
        STATS["crashes replayed"] += 1
        crashed = self.observe(self.world)
        if restart:
            self.h.restart()
            STATS["restarts"] += 1
        self.check_turn(person, inbound, self.deliver(inbound), crashed)

    @rule(minutes=st.integers(1, 3 * 24 * 60))
    def time_passes(self, minutes: int) -> None:
        """Moves the frozen clock on."""
        self.h.clock.advance(minutes=minutes)

    # --- one turn and its checks ----------------------------------------------------------------

    def deliver(self, inbound: Inbound) -> list[Reply]:
        """Hands one message to the engine; anything but a simulated crash escaping it fails the test."""
        STATS["inputs"] += 1
        started = time.perf_counter()
        try:
            return self.h.handle(inbound)
        except SimulatedCrash:
            raise
        except Exception as exc:
            raise AssertionError(f"a turn raised {type(exc).__name__}: {str(exc)[:300]}") from exc
        finally:
            took = round((time.perf_counter() - started) * 1000)
            STATS["slowest turn (ms)"] = max(STATS["slowest turn (ms)"], took)

    def send(self, actor: Actor, inbound: Inbound) -> list[Reply]:
        """Sends one message as the person and checks every invariant."""
        replies = self.deliver(inbound)
        self.check_turn(actor, inbound, replies)
        return replies

    def reopen(self, actor: Actor) -> None:
        """Greets the person; a running dialog must ask exactly the question it last asked."""
        STATS["inputs"] += 1
        replies = self.h.greet(Inbound(actor.user, actor.key))
        assert replies and all(r.text.strip() for r in replies)
        asked = [r for r in replies if r.prompt_token]
        if actor.question is None:
            assert not asked, f"{actor.name} had no dialog running, yet was asked a question"
        else:
            assert asked, f"{actor.name}'s dialog did not resume"
            assert (asked[-1].text, asked[-1].facts) == (actor.question.text, actor.question.facts)
        self.world = self.observe()
        self.check_privacy(actor, Inbound(actor.user, actor.key), replies, ())
        self.remember(actor, actor.last, replies)

    def check_turn(self, actor: Actor, inbound: Inbound, replies: list[Reply], crashed: World | None = None) -> None:
        """Every invariant of one turn (for a replayed crash, `crashed` is storage just after the crash)."""
        assert replies, "the turn sent no answer"
        assert all(r.text.strip() for r in replies), "a reply with no text"
        before, session = self.world, self.world.sessions[actor.key]
        after = self.observe(crashed or before)
        self.check_session(actor, session, after.sessions[actor.key], replies)
        if crashed is not None:
            self.check_replay(before, crashed, after)
        self.check_concerns(actor, before, after, session, replies)
        self.check_receipts(actor, after, replies)
        self.check_refusal(actor, inbound, before, after, replies)
        self.check_privacy(actor, inbound, replies, (*(crashed.new_outbox if crashed else ()), *after.new_outbox))
        self.check_routing(after, (*(crashed.new_sends if crashed else ()), *after.new_sends))
        self.world = after
        self.remember(actor, inbound, replies)

    def check_session(self, actor: Actor, before: SavedSession | None, saved: SavedSession | None,
                      replies: list[Reply]) -> None:
        """A turn that asks a question saved its token; one that asks none kept or ended the session."""
        tokens = [r.prompt_token for r in replies if r.prompt_token]
        if tokens:
            assert saved is not None and saved.prompt_token == tokens[-1], "the question asked is not the one saved"
        else:
            assert saved is None or same(saved, before), "the session changed but no question was asked"

    def check_replay(self, before: World, crashed: World, after: World) -> None:
        """A crashed turn and its replay together have the effects of one turn: not both attempts leave some."""
        assert not (effects(before, crashed) and effects(crashed, after)), "a replay repeated a crashed turn's effects"

    def check_concerns(self, actor: Actor, before: World, after: World, session: SavedSession | None,
                       replies: list[Reply]) -> None:
        """At most one concern and one chronology event per turn; a new concern is the person's, and named."""
        new = list(after.concerns.keys() - before.concerns.keys())
        assert len(new) <= 1, f"one turn made {len(new)} concerns"
        assert after.last_event - before.last_event <= 1, "one turn wrote several chronology events"
        said = "\n".join(r.text for r in replies)
        for concern_id in new:
            row = after.concerns[concern_id]
            assert row.reporter_id == actor.staff_id, "a concern was made in someone else's name"
            assert row.reference in said, f"{row.reference} was made but the reporter was not told it"
            STATS["concerns"] += 1
        if session is not None and session.dialog == "raise_concern" and draft_in(session.data).reference:
            assert not new, "a telling that already had its concern made another"

    def check_receipts(self, actor: Actor, after: World, replies: list[Reply]) -> None:
        """A receipt names a stored concern of the reporter's, holding exactly what the review showed."""
        words = self.h.app.words
        for reference in set(REFERENCE.findall("\n".join(r.text for r in replies))):
            keys = ("raise.receipt", "raise.adult_receipt.intro")
            receipts = tuple(words(key, reference=reference, person=words(f"raise.person.{about}"))
                             for key in keys for about in ("child", "children"))
            if not any(r.text.startswith(receipts) for r in replies):
                continue
            STATS["receipts"] += 1
            owners = [c.reporter_id for c in after.concerns.values() if c.reference == reference]
            assert owners == [actor.staff_id], f"receipt {reference} names no concern of the reporter's"
            assert actor.question is not None and actor.question.facts, "a receipt without a review first"
            turn = Turn(Inbound(actor.user, actor.key), Person(actor.staff_id, self.h.app.school_id, "", ""), {},
                        self.h.clock(), self.h.app.engine.services)
            stored = review_facts(turn, self.h.draft_of(reference))
            assert stored == actor.question.facts, f"{reference} holds something other than the review showed"

    def check_refusal(self, actor: Actor, inbound: Inbound, before: World, after: World,
                      replies: list[Reply]) -> None:
        """A DSL button pressed by anyone else is refused, audited and changes nothing."""
        pressed = inbound.choice or ""
        if not pressed.startswith("dsl:") or (actor.dsl and self.holds(actor, before, pressed)):
            return
        STATS["DSL buttons refused"] += 1
        assert replies[0].text == self.h.app.words("dsl.not_permitted")
        refused = [(a.actor, a.allowed, a.action.startswith("dsl.")) for a in after.new_audits]
        assert refused == [(actor.user.email, False, True)], f"refusal audited as {refused}"
        assert (after.concerns, after.last_event, after.last_outbox) == \
               (before.concerns, before.last_event, before.last_outbox), "a refused DSL button changed something"

    def holds(self, actor: Actor, world: World, pressed: str) -> bool:
        """True when a DSL member may act on the concern a DSL button names: not about an adult, not about them."""
        concern_id = parse_concern_id(pressed.removeprefix("dsl:").partition(":")[2])  # as the engine reads it
        row = world.concerns.get(concern_id) if concern_id is not None else None
        if row is None:
            return True  # an unknown concern: the team member is told so, as before
        STATS["DSL buttons on others' concerns"] += row.audience != "dsl_team"
        return row.audience == "dsl_team" and actor.user.email not in row.excluded.split(",")

    def check_routing(self, after: World, sends: tuple[tuple[str, int | None], ...]) -> None:
        """Nothing about a concern goes to the person it is about, and a concern about an adult never to the channel."""
        for where, concern_id in sends:
            row = after.concerns.get(concern_id) if concern_id is not None else None
            if row is None:
                continue
            STATS["routed sends"] += 1
            assert where not in row.excluded.split(","), f"{row.reference} was sent to the person it is about"
            assert row.audience == "dsl_team" or where != "dsl", f"{row.reference}, about an adult, reached the channel"
            in_team = set(row.excluded.split(",")) & self.h.app.config.dsl_emails()
            assert not (in_team and where == "dsl"), f"{row.reference} reached a channel the person it is about is in"

    def check_privacy(self, actor: Actor, inbound: Inbound, replies: list[Reply], outbox: tuple[str, ...]) -> None:
        """Nobody sees what someone else told, but a DSL member viewing details; alerts carry none of it."""
        viewing = actor.dsl and (inbound.choice or "").startswith("dsl:view:")
        seen = shown(replies[1:] if viewing else replies)
        for other in self.actors.values():
            if other is not actor:
                assert other.marker.casefold() not in seen, f"{other.name}'s words reached {actor.name}"
        for payload in outbox:
            for person in self.actors.values():
                assert person.marker.casefold() not in payload.casefold(), f"{person.name}'s words in the outbox"

    def remember(self, actor: Actor, inbound: Inbound | None, replies: list[Reply]) -> None:
        """Keeps what the person was last shown and asked."""
        actor.last, actor.replies = inbound, replies
        actor.buttons = (actor.buttons + actor.choices())[-200:]
        asked = [r for r in replies if r.prompt_token]
        if asked:
            actor.question = asked[-1]
        elif self.world.sessions[actor.key] is None:
            actor.question = None


def test_no_input_breaks_a_turn() -> None:
    """Runs the machine under the loaded profile ("ci" unless --hypothesis-profile says otherwise)."""
    try:
        run_state_machine_as_test(ConversationMachine, settings=settings())
    finally:
        if os.environ.get("PREVENT_FUZZ_STATS"):
            print("\nfuzz:", ", ".join(f"{name} {count}" for name, count in sorted(STATS.items())))
