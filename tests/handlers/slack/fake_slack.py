"""A fake Slack Web API on 127.0.0.1: records every call, validates every Block Kit payload, fails on demand."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from storage.clock import utcnow

TEAM = "T0SCHOOL"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
TOKEN = "xoxb-test-token"


@dataclass
class Call:
    """One Web API call the bot made."""

    method: str
    args: dict[str, Any]
    failed: bool = False
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def channel(self) -> str:
        return str(self.args.get("channel", ""))

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.args.get("blocks") or (self.args.get("view") or {}).get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    @property
    def text(self) -> str:
        """Everything a person would read in this call, joined."""
        return json.dumps(self.args, ensure_ascii=False)

    def buttons(self) -> list[tuple[str, str, str]]:
        """Returns (choice id, token, action_id) for every button."""
        found = []
        for block in self.blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                value = json.loads(element["value"])
                found.append((value["c"], value["t"], element["action_id"]))
        return found


def validate_blocks(blocks: list[dict[str, Any]], limit: int) -> list[str]:
    """Returns what is wrong with a list of blocks, by slack_sdk's own models."""
    problems = [f"{len(blocks)} blocks (limit {limit})"] if len(blocks) > limit else []
    for raw in blocks:
        parsed = Block.parse(raw)
        if parsed is None or parsed.to_dict() is None:
            problems.append(f"unknown block {raw.get('type')}")
            continue
        try:
            parsed.validate_json()
        except SlackObjectFormationError as exc:
            problems.append(str(exc))
        for text in _texts(raw):
            if not text:
                problems.append("an empty text object")
    return problems


def _texts(raw: dict[str, Any]) -> list[str]:
    texts = [raw["text"]["text"]] if isinstance(raw.get("text"), dict) else []
    texts += [f["text"] for f in raw.get("fields", [])]
    return texts


@dataclass
class FakeSlack:
    """The Web API methods the bot uses, answering like Slack."""

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, list[tuple[int, str, float | None]]] = field(default_factory=lambda: defaultdict(list))
    invalid: list[str] = field(default_factory=list)
    bad_tokens: int = 0
    down: bool = False
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    acks: list[str] = field(default_factory=list)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _last_ts: float = 0.0

    def fail(self, method: str, status: int = 200, error: str = "", retry_after: float | None = None,
             times: int = 1) -> None:
        """Makes the next `times` calls of a method fail: 429 (Retry-After), 5xx or an ok:false error."""
        self.failures[method] += [(status, error, retry_after)] * times

    def app(self) -> web.Application:
        web_app = web.Application()
        web_app.router.add_route("*", "/api/{method}", self.handle)
        web_app.router.add_get("/socket", self.socket)
        return web_app

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: says hello, then records the envelope ids the app acknowledges."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                self.acks.append(str(json.loads(message.data).get("envelope_id", "")))
        return ws

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _args(request)
        call = Call(method, args)
        self.calls.append(call)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}" and method != "apps.connections.open":
            self.bad_tokens += 1
            return web.json_response({"ok": False, "error": "invalid_auth"})
        call.failed = self.down or bool(self.failures.get(method))
        if self.down:
            return web.Response(status=503, text="Slack is down")
        if self.failures.get(method):
            status, error, retry_after = self.failures[method].pop(0)
            headers = {"Retry-After": str(int(retry_after))} if retry_after is not None else {}
            if status >= 400:
                return web.Response(status=status, text="Slack is having trouble", headers=headers)
            return web.json_response({"ok": False, "error": error}, headers=headers)
        answer = getattr(self, "m_" + method.replace(".", "_"), None)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        call.result = answer(args)
        return web.json_response({"ok": True, **call.result})

    def _check(self, where: str, blocks: list[dict[str, Any]], limit: int) -> None:
        self.invalid += [f"{where}: {p}" for p in validate_blocks(blocks, limit)]

    # --- methods --------------------------------------------------------------------------------

    def m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.url.replace("http://", "ws://") + "/socket"}

    def m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "team": "School"}

    def m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        if user is None:
            raise web.HTTPOk(text=json.dumps({"ok": False, "error": "user_not_found"}),
                             content_type="application/json")
        return {"user": {"id": args["user"], "name": user["name"], "is_bot": user.get("is_bot", False),
                         "team_id": user.get("team_id", TEAM), "is_stranger": user.get("is_stranger", False),
                         "profile": {"email": user["email"], "real_name": user["name"]}}}

    def m_users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        for user_id, user in self.users.items():
            if user["email"] == args["email"]:
                return {"user": {"id": user_id}}
        raise web.HTTPOk(text=json.dumps({"ok": False, "error": "users_not_found"}),
                         content_type="application/json")

    def m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": {"id": dm(str(args["users"]))}}

    def m_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args["channel"]))
        if channel is None:
            raise web.HTTPOk(text=json.dumps({"ok": False, "error": "channel_not_found"}),
                             content_type="application/json")
        return {"channel": {"id": args["channel"], **channel}}

    def m_conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"members": self.channels[str(args["channel"])].get("members", []),
                "response_metadata": {"next_cursor": ""}}

    def m_conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        found = [{"id": i, **c} for i, c in self.channels.items() if c.get("is_private") and c.get("is_member")]
        return {"channels": found, "response_metadata": {"next_cursor": ""}}

    def m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check("chat.postMessage", Call("", args).blocks, 50)
        self._last_ts = max(utcnow().timestamp(), self._last_ts + 0.000001)  # like Slack's: the time posted, unique
        return {"channel": args["channel"], "ts": f"{self._last_ts:.6f}"}

    def m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """The channel's messages (not thread replies) newest first, from `oldest`, a page at a time."""
        found = [m for m in self.messages(str(args["channel"])) if not m.get("thread_ts")]
        return self._page(list(reversed(found)), args)

    def m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """A thread oldest first: its parent, then the replies, from `oldest`, a page at a time."""
        parent = str(args["ts"])
        found = [m for m in self.messages(str(args["channel"])) if parent in (m["ts"], m.get("thread_ts"))]
        if not found:
            raise web.HTTPOk(text=json.dumps({"ok": False, "error": "thread_not_found"}),
                             content_type="application/json")
        return self._page(found, args)

    def _page(self, messages: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
        """One page of messages since `oldest` (inclusive if asked); metadata only with include_all_metadata."""
        oldest, inclusive = float(args.get("oldest") or 0), _true(args.get("inclusive"))
        kept = [m for m in messages if float(m["ts"]) > oldest or (inclusive and float(m["ts"]) == oldest)]
        if not _true(args.get("include_all_metadata")):
            kept = [{k: v for k, v in m.items() if k != "metadata"} for m in kept]
        start, limit = int(args.get("cursor") or 0), int(args.get("limit") or 100)
        more = start + limit < len(kept)
        return {"messages": kept[start:start + limit], "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check("chat.update", Call("", args).blocks, 50)
        return {"channel": args["channel"], "ts": args["ts"]}

    def m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": f"1700000000.{next(self._ts):06d}"}

    def m_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = str(args["message_ts"]).replace(".", "")
        return {"permalink": f"https://school.slack.com/archives/{args['channel']}/p{ts}?thread_ts=1&cid=C1"}

    def m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._view("views.open", args)

    def m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._view("views.publish", args)

    def _view(self, where: str, args: dict[str, Any]) -> dict[str, Any]:
        view = args["view"] if isinstance(args["view"], dict) else json.loads(args["view"])
        try:
            View(**view).validate_json()
        except (SlackObjectFormationError, TypeError) as exc:
            self.invalid.append(f"{where}: {exc}")
        self._check(where, view.get("blocks", []), 100)
        return {"view": {"id": "V1"}}

    # --- reading what was sent ------------------------------------------------------------------

    def posts(self, channel: str | None = None) -> list[Call]:
        """Messages posted (chat.postMessage), optionally only in one channel."""
        return [c for c in self.calls if c.method == "chat.postMessage" and not c.failed
                and (channel is None or c.channel == channel)]

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages in a channel as Slack keeps them (the bot's own posts), oldest first."""
        found = []
        for call in self.posts(channel):
            message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "ts": call.result["ts"],
                       "text": call.args.get("text", "")}
            metadata = call.args.get("metadata")
            if metadata:
                message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
            if call.args.get("thread_ts"):
                message["thread_ts"] = call.args["thread_ts"]
            found.append(message)
        return found


def _true(value: object) -> bool:
    """Reads a boolean argument as Slack does (true, "true" or "1")."""
    return value is True or str(value).lower() in ("1", "true")


def dm(user: str) -> str:
    """The direct message channel id the fake gives a user."""
    return "D" + user.removeprefix("U")


async def _args(request: web.Request) -> dict[str, Any]:
    """Merges query, form and JSON arguments, like Slack accepts them."""
    args: dict[str, Any] = dict(request.query)
    body = await request.read()
    if request.content_type == "application/json" and body:
        args.update(json.loads(body))
    elif body:
        args.update(dict(await request.post()))
    return args
