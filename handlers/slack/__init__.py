"""Slack: the only package that imports slack_bolt and slack_sdk."""

from handlers.slack.api import SendFailed, SlackApi, SlackUser, Tag
from handlers.slack.app import SlackEndpoint, configuration_problems
from handlers.slack.blocks import Message, escape, render
from handlers.slack.outbound import OutboxRow, SlackOutbound
from handlers.slack.ports import (
    ROUTE,
    DirectChannels,
    EventLedger,
    HomeSource,
    HomeView,
    Recipient,
    ReplyQueue,
    SlackOptions,
    SlackPeople,
)

__all__ = ["ROUTE", "DirectChannels", "EventLedger", "HomeSource", "HomeView", "Message", "OutboxRow", "Recipient",
           "ReplyQueue",
           "SendFailed", "SlackApi", "SlackEndpoint", "SlackOptions", "SlackOutbound", "SlackPeople", "SlackUser",
           "Tag", "configuration_problems", "escape", "render"]
