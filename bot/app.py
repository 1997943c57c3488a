"""The composition root: builds every service from one Settings object. No singletons."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import config as school_file
from bot.config import SchoolConfig
from bot.delivery.inbox import settle_with
from bot.services.concerns import ConcernService, index_waiting_names
from bot.services.directory import SchoolDirectory, sync_dsl_team
from bot.services.session_store import DbSessionStore
from bot.services.training import TrainingService
from bot.services.wording import Words
from bot.settings import Settings
from dialogs import all_dialogs
from dialogs.engine import Engine
from dialogs.ports import Services
from storage import people, records
from storage.clock import Clock, machine_clock, running_from
from storage.crypto import Cipher, DataKeyError, key_file_for, load_or_create_key_file, new_key
from storage.db import Database, make_engine, sqlite_file, startup_lock, upgrade

log = logging.getLogger(__name__)
IN_MEMORY = "sqlite://"  # what `doctor` checks against while there is no database file yet


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
    return sqlite_file(url)


def local_key_file(settings: Settings) -> Path:
    """Returns the key file beside a local SQLite database (DataKeyError for any other database)."""
    path = sqlite_path(settings.database_url)
    if path is None:
        raise DataKeyError("PREVENT_DATA_KEY must be set when the database is not a local SQLite file")
    return key_file_for(path.resolve())


def make_cipher(settings: Settings) -> Cipher:
    """Returns the cipher from PREVENT_DATA_KEY, or a local key file beside a SQLite database (made if missing)."""
    if settings.data_key:
        return Cipher.from_keys(settings.data_key, settings.data_key_old)
    key_file = local_key_file(settings)
    key, created = load_or_create_key_file(key_file)
    if created:
        print(f"WARNING: PREVENT_DATA_KEY is not set; generated a local key in {key_file} (mode 0600). Back it "
              "up: without it the concerns cannot be read. Set PREVENT_DATA_KEY for real use.", file=sys.stderr)
    return Cipher.from_keys(key, settings.data_key_old)


def existing_cipher(settings: Settings) -> Cipher | None:
    """Returns the cipher like `make_cipher` but never makes a key file: None when there is none yet."""
    if settings.data_key:
        return Cipher.from_keys(settings.data_key, settings.data_key_old)
    key_file = local_key_file(settings)
    return Cipher.from_keys(key_file.read_text().strip(), settings.data_key_old) if key_file.exists() else None


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
    db = Database(make_engine(settings.database_url), make_cipher(settings))
    await upgrade(db.engine)
    school_id = await sync_school_file(db, config)
    return _assemble(settings, config, clock or school_clock(config, settings), db, school_id)


async def build_for_checks(settings: Settings, config: SchoolConfig) -> App:
    """Builds the application for `prevent-bot doctor` without creating or changing anything.

    An existing database is opened as it is: no migrations, no school-file sync. A local SQLite file that
    does not exist yet is stood in for by an empty database in memory, and a missing or unusable data key
    by a throwaway one, so that every other check still runs; the checks themselves report both.
    """
    try:
        cipher = existing_cipher(settings) or Cipher.from_keys(new_key())
    except (DataKeyError, OSError):
        cipher = Cipher.from_keys(new_key())
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        db = Database(make_engine(IN_MEMORY), cipher)
        await upgrade(db.engine)
        school_id = await sync_school_file(db, config)
    else:
        db = Database(make_engine(settings.database_url), cipher)
        school_id = await _school_id_if_any(db, config.school.slug)
    return _assemble(settings, config, school_clock(config, settings), db, school_id)


async def _school_id_if_any(db: Database, slug: str) -> int:
    """Returns the school's id without creating it (0 when it is not there, or the database does not answer)."""
    try:
        async with db.reading() as session:
            school = await people.school_by_slug(session, slug)
    except Exception:  # the database check says what is wrong with it
        log.debug("doctor: the school could not be looked up", exc_info=True)
        return 0
    return school.id if school is not None and school.id is not None else 0


def _assemble(settings: Settings, config: SchoolConfig, clock: Clock, db: Database, school_id: int) -> App:
    """Wires the services and the dialog engine onto an open database."""
    words = Words(Path(config.content_file) if config.content_file else None, config.jurisdiction)
    directory = SchoolDirectory(db, config, school_id)
    concerns = ConcernService(db, directory, words, clock)
    training = TrainingService(db, directory, config, clock)
    services = Services(desk=concerns, directory=directory, words=words, training=training)
    engine = Engine(all_dialogs(), services, DbSessionStore(db, settle_with, clock), clock)
    return App(settings, config, db, school_id, words, directory, concerns, training, engine, clock)
