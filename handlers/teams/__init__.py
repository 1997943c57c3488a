"""Microsoft Teams: the only package that imports the Bot Framework SDK (botbuilder*)."""

from handlers.teams.app import ROUTE, TeamsEndpoint, configuration_problems
from handlers.teams.connector import SendFailed
from handlers.teams.ports import (
    BOT_TARGET,
    DSL_TARGET,
    USER_PREFIX,
    Member,
    ReplyQueue,
    TeamsMessenger,
    TeamsOptions,
    TeamsStore,
)

__all__ = ["BOT_TARGET", "DSL_TARGET", "ROUTE", "USER_PREFIX", "Member", "ReplyQueue", "SendFailed",
           "TeamsEndpoint", "TeamsMessenger", "TeamsOptions", "TeamsStore", "configuration_problems"]
