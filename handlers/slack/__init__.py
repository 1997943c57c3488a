"""Slack: the only package that imports slack_bolt and slack_sdk."""

from handlers.slack.api import SendFailed, SlackApi, SlackUser
from handlers.slack.app import SlackEndpoint, configuration_problems
from handlers.slack.blocks import Message, escape, render
from handlers.slack.outbound import SlackOutbound
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

__all__ = ["ROUTE", "DirectChannels", "EventLedger", "HomeSource", "HomeView", "Message", "Recipient", "ReplyQueue",
           "SendFailed", "SlackApi", "SlackEndpoint", "SlackOptions", "SlackOutbound", "SlackPeople", "SlackUser",
           "configuration_problems", "escape", "render"]
