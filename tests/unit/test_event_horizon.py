"""Widening the 32-bit xids `pg_stat_activity` lists to the 64-bit ones events carry (xid8).

The case that once froze a server's live subscriptions: a transaction that got its xid after the
horizon statement's snapshot (so at or above `next_xid`) was taken for one of the previous epoch, a
negative "horizon" that PostgreSQL then read as a huge xid8, and the event hub never read again."""

from __future__ import annotations

import pytest

from lianxin.events.reader import _widen

pytestmark = pytest.mark.no_db

EPOCH = 3 << 32


@pytest.mark.parametrize(
    ("xid", "next_xid", "widened"),
    [
        (2200, 2216, 2200),  # an older open transaction, epoch 0
        (2216, 2216, 2216),  # assigned just after the snapshot: the same epoch, never negative
        (2230, 2216, 2230),
        (EPOCH + 10 - EPOCH, EPOCH + 50, EPOCH + 10),  # epoch 3, below next_xid
        (60, EPOCH + 50, EPOCH + 60),  # epoch 3, just assigned above next_xid
        (0xFFFFFFF0, EPOCH + 50, EPOCH - (1 << 32) + 0xFFFFFFF0),  # before the wrap: epoch 2
    ],
)
def test_widen(xid: int, next_xid: int, widened: int) -> None:
    assert _widen(xid, next_xid) == widened
    assert _widen(xid, next_xid) >= 0


def test_an_xid_assigned_after_the_snapshot_never_lowers_the_horizon() -> None:
    next_xid = 2216
    assert min([next_xid, _widen(2216, next_xid), _widen(2217, next_xid)]) == next_xid
