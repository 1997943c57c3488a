"""The encrypted columns: which key sealed their values, and swapping a value for one sealed anew."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import Column, Table, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.crypto import SEALED_PREFIX_CHARS, key_id_of_prefix
from storage.models import Concern, ConcernEvent, DialogSession, InboundEvent

# Every column that holds sealed values, by what its rows are (as a person would say it).
SEALED_COLUMNS: dict[str, tuple[Table, str]] = {
    "concerns": (Concern.__table__, "details_enc"),  # type: ignore[attr-defined]
    "chronology entries": (ConcernEvent.__table__, "detail_enc"),  # type: ignore[attr-defined]
    "conversations in progress": (DialogSession.__table__, "data_enc"),  # type: ignore[attr-defined]
    "messages waiting to be processed": (InboundEvent.__table__, "payload_enc"),  # type: ignore[attr-defined]
}
CONCERNS = "concerns"


def _column(kind: str) -> tuple[Table, Column[str]]:
    table, name = SEALED_COLUMNS[kind]
    return table, table.c[name]


async def count_by_key(session: AsyncSession) -> Counter[str]:
    """Counts the sealed values in every encrypted column by the id of the key that sealed them."""
    counts: Counter[str] = Counter()
    for kind in SEALED_COLUMNS:
        _, sealed = _column(kind)
        prefix = func.substr(sealed, 1, SEALED_PREFIX_CHARS)
        connection = await session.connection()
        rows = await connection.execute(select(prefix, func.count()).where(sealed != "").group_by(prefix))
        for start, count in rows:
            counts[key_id_of_prefix(start)] += count
    return counts


async def not_sealed_with(session: AsyncSession, kind: str, prefix: str, after_id: int,
                          limit: int) -> Sequence[tuple[int, str]]:
    """Returns (id, value) of the next rows whose value was sealed with another key than `prefix` names."""
    table, sealed = _column(kind)
    query = (select(table.c.id, sealed)
             .where(sealed != "", func.substr(sealed, 1, SEALED_PREFIX_CHARS) != prefix, table.c.id > after_id)
             .order_by(table.c.id).limit(limit))
    return [(row_id, value) for row_id, value in await (await session.connection()).execute(query)]


async def replace(session: AsyncSession, kind: str, row_id: int, old: str, new: str) -> bool:
    """Swaps a row's sealed value only if it still holds `old`.

    False when the row changed (or went) since it was read: the newer value is kept, never overwritten.
    """
    table, sealed = _column(kind)
    statement = update(table).where(table.c.id == row_id, sealed == old).values({sealed.name: new})
    return (await (await session.connection()).execute(statement)).rowcount == 1
