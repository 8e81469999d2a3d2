"""Commit-order-safe reads of the event log.

An event's `id` comes from a sequence, so ids are handed out in the order transactions *insert*,
not the order they *commit*: a reader that pages by id can pass id 7 while the transaction that
wrote id 6 is still open, and never see 6. Every event row therefore stores the writing
transaction's id (`txid`, migration 0004), and readers:

- order by `(txid, id)`, and
- read only rows whose `txid` is below the *horizon*: the oldest transaction that may still write
  to this database. Every transaction below it has finished, so no row can ever appear below it
  later: a cursor `(txid, id)` that has passed a row has passed everything that will ever sort
  before it.

The horizon is computed in a statement of its own, before the read (`horizon_txid`): the lowest of
the next transaction id to be assigned and the ids of transactions open in *this* database
(`pg_stat_activity.backend_xid`, prepared transactions). A role that cannot see other roles'
sessions falls back to `pg_snapshot_xmin(pg_current_snapshot())`, the oldest transaction open
anywhere in the cluster (always safe, but any long transaction on the server then delays events).
The price either way is latency: an event becomes readable once every older transaction in the
database has ended, so keep transactions short (re-matching already works in short chunks).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lianxin.core.db import Connection
from lianxin.core.errors import DomainError

MAX_EVENT_ID = 2**63 - 1
PAGE_SIZE = 500


@dataclass(frozen=True, order=True, slots=True)
class Position:
    """A place in the log: every event at or before it (in `(txid, id)` order) has been read."""

    txid: int
    event_id: int


START = Position(0, 0)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    txid: int
    type: str
    subject_id: str
    region_code: str | None
    payload: dict[str, Any]
    occurred_at: datetime
    # ids of the subject's union and its ancestors (root first); empty when the subject has no union
    union_path: tuple[int, ...] = ()

    @property
    def position(self) -> Position:
        return Position(self.txid, self.id)

    @property
    def cursor(self) -> str:
        return encode_cursor(self.position)

    @classmethod
    def from_row(cls, row: Any) -> StoredEvent:
        region = row["region_code"]
        return cls(
            id=row["id"],
            txid=int(row["txid"]),
            type=row["type"],
            subject_id=row["subject_id"],
            region_code=region.strip() if region is not None else None,
            payload=row["payload"],
            occurred_at=row["occurred_at"],
            union_path=tuple(row["union_path"] or ()),
        )


def encode_cursor(position: Position) -> str:
    raw = f"ev:{position.txid}:{position.event_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, field: str = "after") -> Position:
    """The position of a cursor this API returned, else a DomainError naming `field`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        prefix, txid, event_id = base64.urlsafe_b64decode(padded.encode("ascii")).decode().split(":")
        position = Position(int(txid), int(event_id))
    except (ValueError, UnicodeError, binascii.Error):
        prefix, position = "", START
    if prefix != "ev" or position.txid < 0 or position.event_id < 0:
        raise DomainError.single("INVALID_CURSOR", "the cursor is not one this API returned", [field])
    return position


_COLUMNS = "id, txid, type, subject_id, region_code, payload, occurred_at, union_path"


async def read_events(
    conn: Connection,
    after: Position,
    *,
    limit: int = PAGE_SIZE,
    types: Sequence[str] | None = None,
) -> list[StoredEvent]:
    """Up to `limit` events after `after`, in `(txid, id)` order, only below the commit horizon.

    Run it as the first statement of its transaction (or outside one): a transaction that has
    already written holds its own xid open and so holds back its own horizon.
    """
    below = await horizon_txid(conn)
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM event
            WHERE (txid, id) > ($1::text::xid8, $2::bigint)
              AND txid < $5::text::xid8
              AND ($4::text[] IS NULL OR type = ANY($4::text[]))
            ORDER BY txid, id
            LIMIT $3""",
        str(after.txid),
        after.event_id,
        limit,
        list(types) if types else None,
        str(below),
    )
    return [StoredEvent.from_row(r) for r in rows]


_HORIZON = """
SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS cluster_xmin,
       pg_snapshot_xmax(pg_current_snapshot())::text AS next_xid,
       (SELECT rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')
        FROM pg_roles WHERE rolname = current_user) AS sees_all,
       ARRAY(SELECT backend_xid::text FROM pg_stat_activity
             WHERE datname = current_database() AND backend_xid IS NOT NULL
             UNION ALL
             SELECT transaction::text FROM pg_prepared_xacts WHERE database = current_database()) AS open_xids
"""


def _widen(xid: int, next_xid: int) -> int:
    """A 32-bit xid of an open transaction as a 64-bit xid8, the one nearest `next_xid`.

    Open xids lie within 2^31 of `next_xid`, mostly below it; one assigned after the statement's
    snapshot was taken (listed by `pg_stat_activity` a moment later) is at or above it, in the same
    epoch. Only an xid far above the low half is from the previous epoch (the counter wrapped since).
    """
    epoch, low = next_xid >> 32, next_xid & 0xFFFFFFFF
    if xid < low or xid - low < 1 << 31 or epoch == 0:
        return (epoch << 32) | xid
    return ((epoch - 1) << 32) | xid


async def horizon_txid(conn: Connection) -> int:
    """The lowest transaction id that may still commit events into this database.

    One statement: its snapshot's xmax bounds every transaction that starts later, and the open
    transactions it then lists cover every earlier one still running; a transaction that ended in
    between is complete, and the caller's next statement (a newer snapshot) sees its rows.
    """
    row = await conn.fetchrow(_HORIZON)
    assert row is not None
    if not row["sees_all"]:
        return int(row["cluster_xmin"])
    next_xid = int(row["next_xid"])
    return min([next_xid, *(_widen(int(x), next_xid) for x in row["open_xids"])])


async def horizon(conn: Connection) -> Position:
    """The position just before every event not yet readable: "now" for a reader starting fresh."""
    return Position(await horizon_txid(conn) - 1, MAX_EVENT_ID)


async def now_position(conn: Connection) -> tuple[Position, frozenset[int]]:
    """ "Now" exactly: the horizon, and the ids of events already committed above it (a reader
    starting from now skips those: they happened before it started, only their neighbours are
    still open)."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        position = await horizon(conn)
        rows = await conn.fetch("SELECT id FROM event WHERE txid > $1::text::xid8", str(position.txid))
    return position, frozenset(r["id"] for r in rows)


async def committed_beyond_horizon(conn: Connection) -> bool:
    """Whether committed events wait above the horizon (an older transaction is still open)."""
    below = await horizon_txid(conn)
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM event WHERE txid >= $1::text::xid8)", str(below)
    )
    return found


async def load_reader_position(conn: Connection, name: str, *, lock: bool = False) -> Position | None:
    """A background reader's saved position (`event_reader`); `lock` holds the row to the commit."""
    row = await conn.fetchrow(
        "SELECT txid::text AS txid, event_id FROM event_reader WHERE name = $1"
        + (" FOR UPDATE" if lock else ""),
        name,
    )
    return Position(int(row["txid"]), row["event_id"]) if row else None


async def save_reader_position(conn: Connection, name: str, position: Position) -> None:
    await conn.execute(
        """INSERT INTO event_reader (name, txid, event_id) VALUES ($1, $2::text::xid8, $3)
           ON CONFLICT (name) DO UPDATE
           SET txid = excluded.txid, event_id = excluded.event_id, updated_at = now()""",
        name,
        str(position.txid),
        position.event_id,
    )


async def purge_events(conn: Connection, older_than: timedelta, *, batch: int = 5000) -> int:
    """Retention: delete events older than `older_than`, in batches; returns how many went.

    A subscriber or webhook cursor older than the retention period resumes at the oldest event
    kept (it cannot replay what is gone); webhook deliveries keep their own copy of the body.
    """
    deleted = 0
    while True:
        status = await conn.execute(
            """DELETE FROM event WHERE id IN (
                   SELECT id FROM event WHERE occurred_at < now() - $1::interval LIMIT $2)""",
            older_than,
            batch,
        )
        count = int(status.split()[-1])
        deleted += count
        if count < batch:
            return deleted
