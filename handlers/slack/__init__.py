"""Slack: the only package that imports slack_bolt and slack_sdk."""

from handlers.slack.api import SendFailed, SlackApi, SlackUser, Tag
from handlers.slack.app import SlackEndpoint, configuration_problems
from handlers.slack.blocks import Message, escape, render
from handlers.slack.ports import ROUTE, EventLedger, HomeSource, HomeView, ReplyQueue, SlackOptions

__all__ = ["ROUTE", "EventLedger", "HomeSource", "HomeView", "Message", "ReplyQueue", "SendFailed", "SlackApi",
           "SlackEndpoint", "SlackOptions", "SlackUser", "Tag", "configuration_problems", "escape", "render"]
