"""The composition root: builds every service from one Settings object. No singletons."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import config as school_file
from bot.concerns import ConcernService, index_waiting_names
from bot.config import SchoolConfig
from bot.directory import SchoolDirectory, sync_dsl_team
from bot.reminders.training import TrainingService
from bot.session_store import DbSessionStore
from bot.settings import Settings
from bot.wording import Words
from dialogs import all_dialogs
from dialogs.engine import Engine
from dialogs.ports import Services
from storage import people, records
from storage.clock import Clock, machine_clock, running_from
from storage.crypto import Cipher, DataKeyError, key_file_for, load_or_create_key_file
from storage.db import Database, make_engine, normalise_url, startup_lock, upgrade

log = logging.getLogger(__name__)


@dataclass(slots=True)
class App:
    """Everything one running bot needs, built by `build`."""

    settings: Settings
    config: SchoolConfig
    db: Database
    school_id: int
    words: Words
    directory: SchoolDirectory
    concerns: ConcernService
    training: TrainingService
    engine: Engine
    clock: Clock

    async def close(self) -> None:
        """Releases the database connections."""
        await self.db.close()


def load_config(settings: Settings) -> SchoolConfig:
    """Loads the school file named by settings (the demo school if the default file is absent)."""
    explicit = settings.model_fields_set.__contains__("config_path")
    return school_file.load(settings.config_path, required=explicit)


def sqlite_path(url: str) -> Path | None:
    """Returns the file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[1] if "///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def make_cipher(settings: Settings) -> Cipher:
    """Returns the cipher from PREVENT_DATA_KEY, or a local key file beside a SQLite database."""
    if settings.data_key:
        return Cipher.from_keys(settings.data_key, settings.data_key_old)
    path = sqlite_path(settings.database_url)
    if path is None:
        raise DataKeyError("PREVENT_DATA_KEY must be set when the database is not a local SQLite file")
    key, created = load_or_create_key_file(key_file_for(path.resolve()))
    if created:
        print(f"WARNING: PREVENT_DATA_KEY is not set; generated a local key in {key_file_for(path)} "
              "(mode 0600). Back it up: without it the concerns cannot be read. "
              "Set PREVENT_DATA_KEY for real use.", file=sys.stderr)
    return Cipher.from_keys(key, settings.data_key_old)


def school_clock(config: SchoolConfig, settings: Settings) -> Clock:
    """Returns the clock in the school's time zone (from PREVENT_NOW onwards, when that hidden setting is given)."""
    zone = ZoneInfo(config.school.timezone)
    return running_from(settings.now, zone) if settings.now else machine_clock(zone)


async def sync_school_file(db: Database, config: SchoolConfig) -> int:
    """Brings the school, its DSL team and its policies in line with the school file; returns the school id.

    Also indexes the pupil names of concerns stored before they were indexed one by one (migration 0004).

    One transaction, and on PostgreSQL one instance at a time: instances starting together would
    otherwise both insert the same rows.
    """
    wanted = [(p.key, p.title, p.owner_email, p.last_reviewed, p.interval_months) for p in config.policy_list()]
    async with db.transaction() as session:
        await startup_lock(session)
        school = await people.ensure_school(session, config.school.slug, config.school.name)
        assert school.id is not None
        await sync_dsl_team(session, config, school.id)
        await records.sync_policies(session, school.id, wanted)
        await index_waiting_names(session, db.cipher)
        return school.id


async def build(settings: Settings, config: SchoolConfig | None = None, clock: Clock | None = None) -> App:
    """Builds the whole application: config, database (upgraded), services and dialog engine."""
    config = config or load_config(settings)
    clock = clock or school_clock(config, settings)
    db = Database(make_engine(settings.database_url), make_cipher(settings))
    await upgrade(db.engine)
    school_id = await sync_school_file(db, config)
    words = Words(Path(config.content_file) if config.content_file else None)
    directory = SchoolDirectory(db, config, school_id)
    concerns = ConcernService(db, directory, words, clock)
    training = TrainingService(db, directory, config, clock)
    services = Services(desk=concerns, directory=directory, words=words, training=training)
    engine = Engine(all_dialogs(), services, DbSessionStore(db, clock), clock)
    return App(settings, config, db, school_id, words, directory, concerns, training, engine, clock)
