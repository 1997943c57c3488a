"""What every room of bot/ reaches through: the database, the school's id, its school file and its words.

Lower rooms declare what they take from the application as Protocols built on this one, and
bot.app.App fulfils them all, so none of them imports the composition root.
"""

from __future__ import annotations

from typing import Protocol

from bot.config import SchoolConfig
from bot.services.wording import Words
from storage.db import Database


class SchoolParts(Protocol):
    """The database, the school's id, the school file and the words (bot.app.App is one)."""

    @property
    def db(self) -> Database: ...
    @property
    def school_id(self) -> int: ...
    @property
    def config(self) -> SchoolConfig: ...
    @property
    def words(self) -> Words: ...
