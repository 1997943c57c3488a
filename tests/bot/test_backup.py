"""`prevent-bot db backup`: a checked, private copy that opens with the same key; never an overwrite."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from tests.helpers import CONCERN, TEACHER_EMAIL, chat, invoke, run


def test_a_backup_is_a_private_checked_copy_that_opens_with_the_key(tmp_path: Path) -> None:
    chat(tmp_path, TEACHER_EMAIL, CONCERN)
    backup = tmp_path / "backups" / "prevent-2026-11-29.db"
    backup.parent.mkdir()
    said = run(tmp_path, "db", "backup", str(backup)).stdout
    assert "1 concern(s), integrity checked" in said and "somewhere other than the backups" in said
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert not backup.with_name(backup.name + "-wal").exists()  # one self-contained file

    restored = tmp_path / "restored"  # the copy, used as a database of its own, with the same key
    restored.mkdir()
    backup.rename(restored / "prevent.db")
    out = run(restored, "concerns", "export", "C-2026-0001", "--json", "--reason", "Restore check").stdout
    assert "they are the only ones who get me" in json.dumps(json.loads(out))

    (tmp_path / "taken.db").write_text("someone else's file")
    assert "already exists" in run(tmp_path, "db", "backup", str(tmp_path / "taken.db"), refused=True).stderr
    assert (tmp_path / "taken.db").read_text() == "someone else's file"


def test_postgresql_is_pointed_at_pg_dump(tmp_path: Path) -> None:
    env_url = "postgresql://postgres@127.0.0.1:5432/not_used"
    result = run(tmp_path, "db", "backup", str(tmp_path / "x.db"), refused=True, env={"DATABASE_URL": env_url})
    assert "pg_dump --format=custom" in result.stderr and not (tmp_path / "x.db").exists()


def test_a_folder_that_does_not_exist_is_named_in_one_line(tmp_path: Path) -> None:
    assert invoke(tmp_path, "db", "upgrade").exit_code == 0
    folder = tmp_path / "backups"
    result = invoke(tmp_path, "db", "backup", str(folder / "x.db"))
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)  # no traceback
    [line] = result.stderr.splitlines()
    assert f"The folder {folder} does not exist" in line and "mkdir" in line
    assert not folder.exists()
