"""Hypothesis strategies for POST /api/messages: valid activities, the same changed deep inside, junk.

The connector's address is not known until the fake runs, so activities name it as CONNECTOR and the test
puts the fake's address in before sending; any other serviceUrl is loopback with nothing listening, or not a URL.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.handlers.edges import JUNK, maybe, mutated, words
from tests.handlers.teams.harness import BOT, OTHER_TEAM, PEOPLE, TEAM, TENANT

CONNECTOR = "http://connector.placeholder"  # replaced by the fake connector's address before sending
CLOSED = "http://127.0.0.1:1"  # loopback, nothing listening: the connector is unreachable
FRESH = "act-FRESH"  # replaced by a new activity id as it is sent (Hypothesis would repeat the ids it draws)
SERVICE_URLS = st.sampled_from([CONNECTOR, CONNECTOR, CONNECTOR + "/", CLOSED])
USERS = st.sampled_from([*(p[0] for p in PEOPLE.values()), "29:nobody"])
CHOICES = st.sampled_from(["raise", "yes", "no", "cancel", "back", "help", "go:raise_concern", "go:who",
                           "go:dsl_open", "dsl:view:1", "dsl:ack:1", "dsl:note:1", "dsl:close:1", "dsl:view:x",
                           "dsl:", "go:"])
ATTACHMENTS = st.sampled_from([
    {"contentType": "image/png", "contentUrl": f"{CONNECTOR}/files/picture.png", "name": "picture.png"},
    {"contentType": "application/vnd.microsoft.teams.file.download.info", "name": "notes.docx",
     "content": {"downloadUrl": f"{CONNECTOR}/files/notes.docx", "fileType": "docx"}},
    {"contentType": "text/html", "content": "<p>hello</p>"},
    {"contentType": "application/vnd.microsoft.card.adaptive", "content": {"type": "AdaptiveCard", "body": []}},
])


def obj(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An object whose fields are each there or not."""
    return st.fixed_dictionaries({}, optional=fields)


def _account(user: str) -> dict[str, Any]:
    name = next((p[1] for p in PEOPLE.values() if p[0] == user), "No Body")
    return {"id": user, "name": name, "aadObjectId": f"aad-{user[3:]}"}


@st.composite
def place(draw: st.DrawFn, user: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A conversation and its channel data: the person's personal chat, a team's channel, a group chat."""
    where = draw(st.sampled_from(["personal", "personal", "channel", "group"]))
    tenant = {"tenant": {"id": TENANT}}
    if where == "personal":
        return {"id": f"a:chat-{user}", "conversationType": "personal", "tenantId": TENANT}, tenant
    if where == "group":
        group = {"id": "19:group@thread.v2", "conversationType": "groupChat", "isGroup": True, "tenantId": TENANT}
        return group, tenant
    team = draw(st.sampled_from([TEAM, OTHER_TEAM]))
    thread = draw(st.sampled_from(["", ";messageid=m-1"]))
    return ({"id": team + thread, "conversationType": "channel", "isGroup": True, "tenantId": TENANT},
            {**tenant, "team": {"id": team}, "channel": {"id": team, "name": "General"}})


@st.composite
def message(draw: st.DrawFn) -> dict[str, Any]:
    """What a message carries: text (perhaps mentioning the bot), a card's submit, files and pictures."""
    fields: dict[str, Any] = {}
    if draw(st.booleans()):
        fields["value"] = {"choice": draw(CHOICES), "token": draw(st.sampled_from(["", "stale"]) | st.text(max_size=8))}
    else:
        fields["text"] = draw(st.sampled_from(["", "<at>Prevent bot</at> "])) + draw(words())
        fields["entities"] = [{"type": "mention", "text": "<at>Prevent bot</at>", "mentioned": {"id": BOT}},
                              {"type": "clientInfo", "locale": "en-GB", "platform": "Web"}]
    if draw(st.booleans()):
        fields["attachments"] = draw(st.lists(ATTACHMENTS, max_size=2))
    return fields


@st.composite
def install(draw: st.DrawFn, user: str) -> dict[str, Any]:
    """The bot (or someone) added to or removed from a team or a personal chat."""
    who = draw(st.sampled_from([BOT, BOT, user]))
    change = draw(st.sampled_from(["membersAdded", "membersAdded", "membersRemoved"]))
    event = {"membersAdded": "teamMemberAdded", "membersRemoved": "teamMemberRemoved"}[change]
    name = draw(st.sampled_from(["DSL team", "Staff room"]) | words(8))
    return {change: [{"id": who}], "team": {"id": draw(st.sampled_from([TEAM, OTHER_TEAM])), "name": name},
            "eventType": event, "action": draw(st.sampled_from(["add", "remove"]))}


@st.composite
def valid_activity(draw: st.DrawFn) -> dict[str, Any]:
    """An activity as the Bot Connector sends it: mostly messages, also installs, reactions, invokes, typing."""
    user = draw(USERS)
    conversation, channel_data = draw(place(user))
    kind = draw(st.sampled_from(["message"] * 5 + ["conversationUpdate", "installationUpdate", "messageReaction",
                                                   "invoke", "typing", "event"]))
    activity: dict[str, Any] = {
        "type": kind, "id": draw(st.sampled_from([FRESH] * 5 + ["act-REPEATED"])), "channelId": "msteams",
        "serviceUrl": draw(SERVICE_URLS), "from": _account(user), "recipient": {"id": BOT, "name": "Prevent bot"},
        "conversation": conversation, "channelData": channel_data, "locale": "en-GB",
        "timestamp": "2026-11-25T10:30:00.000Z"}
    if kind == "message":
        activity |= draw(message())
    elif kind in ("conversationUpdate", "installationUpdate"):
        changes = draw(install(user))
        activity["channelData"] = {**channel_data, "team": changes.pop("team"), "eventType": changes.pop("eventType")}
        activity |= changes
    elif kind == "invoke":
        activity |= {"name": draw(st.sampled_from(["adaptiveCard/action", "task/fetch", "signin/verifyState"])),
                     "value": {"action": {"type": "Action.Execute", "data": {"choice": draw(CHOICES)}}}}
    elif kind == "messageReaction":
        activity |= {"reactionsAdded": [{"type": "like"}], "replyToId": "m-1"}
    return activity


def loose_activity() -> st.SearchStrategy[dict[str, Any]]:
    """An activity with each field there or not, plausible or not."""
    account = maybe(obj(id=maybe(USERS), name=maybe(words(8)), aadObjectId=maybe(st.text(max_size=8))))
    conversation = maybe(obj(id=maybe(st.sampled_from([TEAM, "a:chat-29:teacher"])), tenantId=maybe(st.just(TENANT)),
                             conversationType=maybe(st.sampled_from(["personal", "channel", "groupChat"])),
                             isGroup=JUNK))
    return obj(type=maybe(st.sampled_from(["message", "conversationUpdate", "installationUpdate", "invoke"])),
               id=maybe(st.just(FRESH)), channelId=maybe(st.just("msteams")), serviceUrl=maybe(SERVICE_URLS),
               recipient=account, conversation=conversation, text=maybe(words()), value=JUNK,
               attachments=maybe(st.lists(maybe(ATTACHMENTS), max_size=2)), entities=maybe(st.lists(JUNK, max_size=2)),
               channelData=maybe(obj(tenant=JUNK, team=maybe(obj(id=JUNK, name=maybe(words(8)))), eventType=JUNK)),
               membersAdded=maybe(st.lists(account, max_size=2)), action=JUNK, replyToId=JUNK, name=JUNK,
               **{"from": account})


def bodies() -> st.SearchStrategy[Any]:
    """What POST /api/messages may receive: a JSON value to send, or raw bytes."""
    return st.one_of(valid_activity(), mutated(valid_activity(), 1), mutated(valid_activity()),
                     mutated(valid_activity()), loose_activity(), JUNK, st.binary(max_size=64))
