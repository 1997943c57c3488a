"""A fake Bot Connector on 127.0.0.1: records every call, answers like Teams, fails on demand."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from aiohttp import web

SCHEMAS = Path(__file__).parent / "schemas"
CARD = "application/vnd.microsoft.card.adaptive"


def card_validator() -> jsonschema.protocols.Validator:
    """Returns a validator for the Adaptive Card 1.5 schema."""
    schema = json.loads((SCHEMAS / "adaptive-card-1.5.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


@dataclass
class Call:
    """One request the bot made to the connector."""

    method: str
    path: str
    body: Any
    status: int = 200

    @property
    def parts(self) -> list[str]:
        return self.path.strip("/").split("/")

    @property
    def conversation(self) -> str:
        return self.parts[2] if len(self.parts) > 2 and self.parts[1] == "conversations" else ""

    @property
    def cards(self) -> list[dict[str, Any]]:
        if not isinstance(self.body, dict):
            return []
        return [a["content"] for a in self.body.get("attachments") or [] if a.get("contentType") == CARD]

    @property
    def text(self) -> str:
        """All text in the message: its own text and every run or block in its cards."""
        out = [str(self.body.get("text") or "")] if isinstance(self.body, dict) else []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("type") in ("TextRun", "TextBlock"):
                    out.append(str(node.get("text", "")))
                if node.get("type") == "Action.Submit":
                    out.append(str(node.get("title", "")))
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.cards)
        return "".join(out)

    def choices(self) -> list[tuple[str, str]]:
        """Returns (choice id, prompt token) of every Action.Submit in the message."""
        found: list[tuple[str, str]] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("type") == "Action.Submit":
                    found.append((node["data"]["choice"], node["data"]["token"]))
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.cards)
        return found


@dataclass
class FakeConnector:
    """State of the fake: roster, teams, recorded calls, failures to answer with."""

    roster: dict[str, dict[str, str]] = field(default_factory=dict)
    teams: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    down: bool = False
    retry_after: str | None = None
    pages_next: int = 0  # the next answers are a proxy's HTML error page (502, text/html), not the connector's JSON
    invalid_cards: list[str] = field(default_factory=list)
    url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.validator = card_validator()

    def app(self) -> web.Application:
        web_app = web.Application(client_max_size=4 * 1024 * 1024)
        web_app.router.add_route("*", "/{tail:.*}", self.handle)
        return web_app

    def sent(self) -> list[Call]:
        """Messages posted (not typing, not updates, not look-ups)."""
        return [c for c in self.calls if c.method == "POST" and "activities" in c.parts and c.status < 300
                and isinstance(c.body, dict) and c.body.get("type") == "message"]

    def sent_to(self, conversation: str) -> list[Call]:
        """Messages posted to a conversation (a channel's threads included)."""
        return [c for c in self.sent() if c.conversation.split(";")[0] == conversation]

    def typing(self) -> list[Call]:
        return [c for c in self.calls if isinstance(c.body, dict) and c.body.get("type") == "typing"]

    def updates(self) -> list[Call]:
        return [c for c in self.calls if c.method == "PUT" and c.status < 300]

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        call = Call(request.method, request.path, body)
        self.calls.append(call)
        for card in call.cards:
            errors = [e.message for e in self.validator.iter_errors(card)]
            self.invalid_cards += errors
        if self.pages_next:
            self.pages_next -= 1
            call.status = 502
            return web.Response(status=502, text="<html><body>Bad Gateway</body></html>", content_type="text/html")
        if self.down or self.fail_next:
            status = 503 if self.down else self.fail_next.pop(0)
            call.status = status
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return web.json_response({"error": {"code": "ServiceError", "message": "failing on purpose"}},
                                     status=status, headers=headers)
        return self.answer(call)

    def answer(self, call: Call) -> web.Response:
        parts = call.parts
        if call.method == "POST" and parts == ["v3", "conversations"]:
            user = call.body["members"][0]["id"]
            return web.json_response({"id": f"a:personal-{user}"}, status=201)
        if call.method in ("POST", "PUT") and "activities" in parts:
            existing = parts[4] if call.method == "PUT" and len(parts) > 4 else None
            return web.json_response({"id": existing or f"m-{next(self._ids)}"}, status=200)
        if call.method == "GET" and len(parts) == 5 and parts[3] == "members":
            person = self.roster.get(parts[4])
            return web.json_response(person) if person else web.json_response({"error": {}}, status=404)
        if call.method == "GET" and len(parts) == 4 and parts[3] == "pagedmembers":
            team = self.teams.get(parts[2], {})
            return web.json_response({"members": [self.roster[u] for u in team.get("members", [])]})
        if call.method == "GET" and parts[:2] == ["v3", "teams"]:
            team = self.teams.get(parts[2], {})
            if len(parts) == 4 and parts[3] == "conversations":
                return web.json_response({"conversations": team.get("channels", [])})
            return web.json_response({"id": parts[2], "name": team.get("name", "")})
        return web.json_response({"error": {"code": "NotFound"}}, status=404)
