"""`prevent-bot db backup`: a consistent copy of a SQLite database, safe while the bot runs."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from bot.app import sqlite_path
from bot.cli.support import fail
from bot.settings import Settings

PG_DUMP_ADVICE = ("For PostgreSQL, back up with the database's own tool, for example "
                  "`pg_dump --format=custom --file prevent.dump \"$DATABASE_URL\"` (restore with pg_restore).")
KEY_ADVICE = ("Concern text and pupil names in it are encrypted: they can be read only with PREVENT_DATA_KEY "
              "(or the prevent.db.key file). Keep the key safe, and somewhere other than the backups.")


def db_backup(target: Annotated[Path, typer.Argument(help="New file for the copy (never overwritten).")]) -> None:
    """Copy the SQLite database to a new file (readable by you only), checked; safe while the bot runs."""
    source = sqlite_path(Settings().database_url)
    if source is None:
        fail(f"`db backup` copies a SQLite database. {PG_DUMP_ADVICE} {KEY_ADVICE}")
    if not source.exists():
        fail(f"There is no database at {source} to back up.")
    try:
        concerns = backup_sqlite(source, target)
    except FileExistsError:
        fail(f"{target} already exists; choose a new file name (a backup never overwrites).")
    except FileNotFoundError:
        fail(f"The folder {target.parent} does not exist: create it first (mkdir -p {target.parent}) "
             "or choose a folder that exists.")
    except PermissionError:
        fail(f"You may not create files in the folder {target.parent}: choose a folder you can write to.")
    except sqlite3.DatabaseError as exc:
        fail(f"The copy could not be made or did not check out ({exc}); {target} was removed.", 1)
    typer.echo(f"Backed up {source} to {target}: {concerns} concern(s), integrity checked. {KEY_ADVICE}")


def backup_sqlite(source: Path, target: Path) -> int:
    """Copies the database with SQLite's online backup into a new 0600 file, checks it; returns its concerns.

    The backup API copies a consistent snapshot even while the bot writes (WAL included). A copy that
    fails its integrity check is deleted rather than left to be trusted.
    """
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # claim the name, private from the start
    try:
        with contextlib.closing(sqlite3.connect(source)) as original, \
                contextlib.closing(sqlite3.connect(target)) as copy:
            original.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            if copy.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise sqlite3.DatabaseError("integrity check failed")
            return int(copy.execute("SELECT count(*) FROM concern").fetchone()[0])
    except BaseException:
        target.unlink(missing_ok=True)
        raise
