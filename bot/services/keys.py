"""Re-sealing every encrypted value under the current data key, the last step of a key rotation."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag

from bot.services.concerns import index_names_in
from storage import sealed
from storage.crypto import sealed_prefix
from storage.db import Database
from storage.models import Concern

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class RekeyReport:
    """What a re-seal did: values re-sealed by kind, values left because they changed, values unreadable."""

    key_id: str
    resealed: dict[str, int] = field(default_factory=dict)
    changed_meanwhile: int = 0
    unreadable: Counter[str] = field(default_factory=Counter)  # key id -> values sealed with a key not configured
    damaged: int = 0  # values that do not open with the key they name (logged by table and row id)

    @property
    def finished(self) -> bool:
        """True when nothing was left under another key."""
        return not self.changed_meanwhile and not self.unreadable and not self.damaged


async def reseal_all(db: Database, batch: int = BATCH) -> RekeyReport:
    """Re-seals every value sealed with an older key under the current one, a batch per transaction.

    Safe while the bot runs: a value is swapped only if it is unchanged since it was read (a turn that
    saved meanwhile wins, and is counted). Concerns also get the pupil-name hashes of the current key.
    """
    report = RekeyReport(db.cipher.current_id)
    for kind in sealed.SEALED_COLUMNS:
        report.resealed[kind] = await _reseal_kind(db, kind, batch, report)
    return report


async def _reseal_kind(db: Database, kind: str, batch: int, report: RekeyReport) -> int:
    """Re-seals one column's values; returns how many were swapped."""
    cipher, prefix, after, swapped = db.cipher, sealed_prefix(db.cipher.current_id), 0, 0
    readable = {cipher.current_id, *cipher.older_ids}
    while True:
        async with db.reading() as session:
            rows = await sealed.not_sealed_with(session, kind, prefix, after, batch)
        if not rows:
            return swapped
        after = rows[-1][0]
        changes = []
        for row_id, old in rows:
            if cipher.sealed_with(old) not in readable:
                report.unreadable[cipher.sealed_with(old)] += 1
                continue
            try:
                plain = cipher.decrypt(old)
            except (InvalidTag, ValueError):  # one damaged value must not stop the rest being re-sealed
                log.error("could not open the %s value in row %s with its key; left as it is", kind, row_id)
                report.damaged += 1
                continue
            changes.append((row_id, old, cipher.encrypt(plain), plain))
        async with db.transaction() as session:
            for row_id, old, new, plain in changes:
                if not await sealed.replace(session, kind, row_id, old, new):
                    report.changed_meanwhile += 1
                    continue
                swapped += 1
                if kind == sealed.CONCERNS:  # the name hashes are keyed too: the new key's replace them
                    concern = await session.get(Concern, row_id)
                    assert concern is not None
                    await index_names_in(session, cipher, concern, plain)


async def key_problems(db: Database) -> list[str]:
    """Says what to do about values sealed with a key other than the current one, and about an unused old key."""
    cipher = db.cipher
    async with db.reading() as session:
        counts = await sealed.count_by_key(session)
    problems = []
    for kid, count in sorted(counts.items()):
        if kid == cipher.current_id:
            continue
        if kid in cipher.older_ids:
            problems.append(f"{count} encrypted value(s) still use the previous data key (id {kid}): run "
                            "`prevent-bot db rekey`, then remove PREVENT_DATA_KEY_OLD")
        else:
            problems.append(f"{count} encrypted value(s) use a data key (id {kid}) that is not configured, so "
                            "they cannot be read: set PREVENT_DATA_KEY_OLD to that key")
    unused = [kid for kid in cipher.older_ids if not counts.get(kid)]
    if unused:
        problems.append(f"PREVENT_DATA_KEY_OLD (id {', '.join(unused)}) is set but no value uses it any more: "
                        "remove it, so the retired key no longer opens anything")
    return problems
