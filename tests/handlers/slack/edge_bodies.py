"""Hypothesis strategies for bodies of POST /slack/events: valid ones, valid ones changed deep inside, and junk."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

from tests.handlers.edges import JUNK, maybe, mutated, words
from tests.handlers.slack.fake_slack import TEAM, dm
from tests.handlers.slack.harness import DSL_CHANNEL, PEOPLE, PUBLIC_CHANNEL

JSON, FORM = "application/json", "application/x-www-form-urlencoded"
Body = tuple[bytes, str]
USER_IDS = [p[0] for p in PEOPLE.values()] + ["UBOT", "UNOBODY1"]
USERS = st.sampled_from(USER_IDS)
TEAMS = st.sampled_from([TEAM, TEAM, "T0OTHER", "E0GRID"])
CHANNELS = st.sampled_from([*(dm(u) for u in USER_IDS), DSL_CHANNEL, PUBLIC_CHANNEL, "C0UNKNOWN"])
TS = st.sampled_from(["1700000001.000100", "1700000002.000200", "1.2"]) | st.text(max_size=12)
FRESH = "Ev0FRESH"  # replaced by a new event id as the body is sent (Hypothesis would repeat the ids it draws)
EVENT_IDS = st.sampled_from([FRESH, FRESH, FRESH, "Ev0REPEATED"])
CHOICES = st.sampled_from(["raise", "yes", "no", "cancel", "back", "help", "go:raise_concern", "go:who",
                           "go:dsl_open", "dsl:view:1", "dsl:ack:1", "dsl:note:1", "dsl:close:1", "dsl:view:x",
                           "dsl:", "go:"])


def obj(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An object whose fields are each there or not."""
    return st.fixed_dictionaries({}, optional=fields)


def as_json(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Body]:
    """A JSON body, sent as application/json."""
    return st.builds(lambda v, ascii_: (json.dumps(v, ensure_ascii=ascii_).encode(), JSON), value, st.booleans())


def as_form(payload: st.SearchStrategy[Any]) -> st.SearchStrategy[Body]:
    """An interaction body: payload=<JSON>, form-encoded (sometimes with another field beside it)."""
    extra = st.dictionaries(st.sampled_from(["token", "x"]), st.text(max_size=8), max_size=1)
    return st.builds(lambda p, e: (urlencode({**e, "payload": json.dumps(p)}).encode(), FORM), payload, extra)


# --- events -------------------------------------------------------------------------------------------------


@st.composite
def valid_event(draw: st.DrawFn) -> dict[str, Any]:
    """An event as Slack sends it: someone typing in their DM (perhaps with a file), a mention, the App Home."""
    user = draw(USERS)
    kind = draw(st.sampled_from(["message", "message", "message", "app_mention", "app_home_opened"]))
    ts = draw(TS)
    if kind == "app_home_opened":
        return {"type": kind, "user": user, "channel": dm(user), "tab": draw(st.sampled_from(["home", "messages"]))}
    if kind == "app_mention":
        return {"type": kind, "user": user, "channel": PUBLIC_CHANNEL, "text": f"<@UBOT> {draw(words())}", "ts": ts}
    event: dict[str, Any] = {"type": kind, "channel_type": "im", "user": user, "channel": dm(user),
                             "text": draw(words()), "ts": ts}
    if draw(st.booleans()):
        event |= {"subtype": "file_share", "files": [{"id": "F0FILE", "name": draw(words(8)),
                                                      "url_private": "https://files.slack.invalid/x.png"}]}
    return event


def envelope(event: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An event_callback envelope around an event."""
    return st.builds(lambda e, i: {"token": "legacy", "team_id": TEAM, "api_app_id": "A0PREVENT",
                                   "type": "event_callback", "event_id": i, "event_time": 1700000000, "event": e,
                                   "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}]},
                     event, EVENT_IDS)


def loose_event() -> st.SearchStrategy[Any]:
    """An event with each field there or not, plausible or not."""
    kinds = st.sampled_from(["message", "app_mention", "app_home_opened", "reaction_added", "member_joined_channel"])
    subtypes = st.sampled_from(["file_share", "message_changed", "bot_message", "thread_broadcast", "me_message"])
    return maybe(st.fixed_dictionaries({"type": maybe(kinds)}, optional={
        "channel_type": maybe(st.sampled_from(["im", "channel", "group", "mpim"])), "user": maybe(USERS),
        "channel": maybe(CHANNELS), "text": maybe(words()), "ts": maybe(TS), "subtype": maybe(subtypes),
        "bot_id": maybe(st.just("B0BOT")), "files": maybe(st.lists(obj(name=words(8)), max_size=2)),
        "tab": maybe(st.sampled_from(["home", "messages"])), "thread_ts": maybe(TS), "team": maybe(TEAMS),
        "blocks": JUNK, "message": maybe(obj(text=maybe(words()))), "item": maybe(obj(channel=maybe(CHANNELS)))}))


def loose_envelope() -> st.SearchStrategy[dict[str, Any]]:
    """An event_callback envelope with each field there or not, plausible or not."""
    authorization = obj(team_id=maybe(TEAMS), user_id=maybe(USERS), is_bot=JUNK)
    return st.fixed_dictionaries({"type": maybe(st.just("event_callback"))}, optional={
        "token": maybe(st.just("legacy")), "team_id": maybe(TEAMS), "event_id": maybe(EVENT_IDS),
        "event_time": maybe(st.integers()), "event": loose_event(), "team": maybe(TEAMS),
        "authorizations": maybe(st.lists(authorization, max_size=2)), "enterprise_id": maybe(TEAMS)})


def url_verification() -> st.SearchStrategy[dict[str, Any]]:
    """Slack's one-off check of the request URL."""
    return st.fixed_dictionaries({"type": st.just("url_verification")},
                                 optional={"token": maybe(st.just("legacy")), "challenge": maybe(words())})


def event_bodies() -> st.SearchStrategy[Body]:
    """Anything Slack's Events API could send, the same changed deep inside, and anything at all."""
    raw = st.tuples(st.binary(max_size=64), st.sampled_from([JSON, FORM, "text/plain", ""]))
    return st.one_of(as_json(mutated(envelope(valid_event()))), as_json(mutated(envelope(valid_event()))),
                     as_json(loose_envelope()), as_json(mutated(url_verification(), 1)), as_json(JUNK), raw)


# --- interactions and commands ---------------------------------------------------------------------------------


def _who(user: str) -> dict[str, Any]:
    return {"user": {"id": user, "team_id": TEAM, "username": "someone", "name": "someone"}, "team": {"id": TEAM},
            "api_app_id": "A0PREVENT", "trigger_id": "trigger-1"}


@st.composite
def valid_button(draw: st.DrawFn) -> dict[str, Any]:
    """A button pressed: a dialog's in a DM, a DSL button on an alert, "Raise a concern" on the App Home."""
    user, choice = draw(USERS), draw(CHOICES)
    where = draw(st.sampled_from(["dm", "dsl", "home"]))
    value = json.dumps({"c": choice, "t": draw(st.sampled_from(["", "stale-token"]) | st.text(max_size=8))})
    action = {"type": "button", "action_id": f"prevent:{draw(st.integers(0, 30))}", "block_id": "choices-0",
              "value": value, "action_ts": "1700000003.000300"}
    payload = {"type": "block_actions", **_who(user), "actions": [action]}
    if where == "home":
        return payload | {"container": {"type": "view", "view_id": "V1"}, "view": {"id": "V1", "type": "home"}}
    channel = dm(user) if where == "dm" else DSL_CHANNEL
    return payload | {"channel": {"id": channel, "name": "x"}, "message": {"ts": "1700000000.000001", "text": "x"},
                      "container": {"type": "message", "channel_id": channel, "message_ts": "1700000000.000001"}}


@st.composite
def valid_shortcut(draw: st.DrawFn) -> dict[str, Any]:
    """The global shortcut, or the message shortcut (whose payload carries the message's text)."""
    user = draw(USERS)
    if draw(st.booleans()):
        return {"type": "shortcut", "callback_id": "raise_concern", **_who(user)}
    return {"type": "message_action", "callback_id": "raise_concern_about_message", **_who(user),
            "channel": {"id": draw(CHANNELS)}, "message_ts": "1700000001.000100",
            "message": {"ts": "1700000001.000100", "text": draw(words()), "user": draw(USERS), "type": "message"}}


def typed() -> st.SearchStrategy[Any]:
    """The state of inputs in a view or message: what someone typed."""
    field = obj(type=maybe(st.just("plain_text_input")), value=maybe(words()))
    return maybe(obj(values=maybe(st.dictionaries(st.text(max_size=4), st.dictionaries(
        st.text(max_size=4), field, max_size=2), max_size=2))))


def other_kinds() -> st.SearchStrategy[dict[str, Any]]:
    """Kinds the bot never asks for but Slack defines: modals, suggestions, legacy dialogs, attachment buttons."""
    kinds = st.sampled_from(["view_submission", "view_closed", "block_suggestion", "dialog_suggestion",
                             "dialog_submission", "dialog_cancellation", "interactive_message", "workflow_step_edit"])
    view = obj(callback_id=maybe(st.sampled_from(["", "details"])), id=maybe(st.just("V1")), state=typed(),
               type=maybe(st.sampled_from(["modal", "workflow_step"])), private_metadata=maybe(words()))
    return st.fixed_dictionaries({"type": kinds}, optional={
        "user": maybe(obj(id=maybe(USERS), team_id=maybe(TEAMS))), "team": maybe(obj(id=maybe(TEAMS))),
        "view": maybe(view), "action_id": maybe(st.just("prevent:0")), "value": maybe(words()),
        "callback_id": maybe(st.just("raise_concern")), "state": typed(),
        "submission": maybe(st.dictionaries(st.text(max_size=4), words(), max_size=2)),
        "actions": maybe(st.lists(obj(name=words(8), value=maybe(words())), max_size=2))})


def interaction_bodies() -> st.SearchStrategy[Body]:
    """Buttons and shortcuts, the same changed deep inside, other kinds, payloads that are not JSON objects."""
    broken = st.builds(lambda t: (urlencode({"payload": t}).encode(), FORM), st.text(max_size=20) | words())
    return st.one_of(as_form(mutated(valid_button())), as_form(mutated(valid_button())),
                     as_form(mutated(valid_shortcut())), as_form(other_kinds()), as_form(JUNK), broken)


@st.composite
def valid_command(draw: st.DrawFn) -> dict[str, str]:
    """/concern as Slack sends it, typed in a channel or a DM (the text after it is ignored)."""
    user = draw(USERS)
    return {"token": "legacy", "team_id": TEAM, "team_domain": "school", "channel_id": draw(CHANNELS),
            "channel_name": "x", "user_id": user, "user_name": "someone", "command": "/concern", "text": draw(words()),
            "api_app_id": "A0PREVENT", "trigger_id": "trigger-cmd"}


def command_bodies() -> st.SearchStrategy[Body]:
    """Slash commands: all strings (form fields), valid, changed, or any of them missing."""
    loose = obj(command=st.sampled_from(["/concern", "/other", ""]) | st.text(max_size=8), text=words(),
                user_id=USERS | st.text(max_size=8), team_id=TEAMS | st.text(max_size=8),
                channel_id=CHANNELS | st.text(max_size=8), enterprise_id=TEAMS | st.text(max_size=4))
    fields = st.one_of(valid_command(), mutated(valid_command(), 2), loose)
    return st.builds(lambda f: (urlencode(f).encode(), FORM), fields)
