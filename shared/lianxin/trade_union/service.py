"""Union verbs: found a union under its parent, rename or move one, recount a subtree."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from lianxin.core.db import Connection, UnitOfWork
from lianxin.core.errors import DomainError, IssueCollector, NotFound
from lianxin.core.ids import to_global_id
from lianxin.core.jobs import Job, record_job
from lianxin.core.region import RegionCodeError, region_contains, validate_region_code
from lianxin.events.outbox import record_event
from lianxin.trade_union import repository as repo
from lianxin.trade_union.models import TradeUnion, UnionKind, UnionStats

MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class NewUnion:
    name: str
    kind: UnionKind
    region_code: str
    parent_id: int | None


def _check_name(issues: IssueCollector, name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        issues.add("NAME_REQUIRED", "the name must not be empty", ["name"])
    elif len(cleaned) > MAX_NAME_LENGTH:
        issues.add("NAME_TOO_LONG", f"the name is longer than {MAX_NAME_LENGTH} characters", ["name"])
    return cleaned


def check_placement(
    issues: IssueCollector, kind: UnionKind, region_code: str, parent: TradeUnion | None
) -> None:
    """The tree's shape: roots are federations; a child is of a lower kind and inside its parent's region."""
    if parent is None:
        if kind is not UnionKind.FEDERATION:
            issues.add("PARENT_REQUIRED", f"a {kind.value} union needs a parent union", ["parentId"])
        return
    if kind.rank <= parent.kind.rank:
        issues.add(
            "INVALID_KIND_FOR_PARENT",
            f"a {kind.value} union cannot sit under a {parent.kind.value} union",
            ["kind"],
        )
    if not region_contains(parent.region_code, region_code):
        issues.add(
            "REGION_OUTSIDE_PARENT",
            f"region {region_code} is not inside the parent union's region {parent.region_code}",
            ["regionCode"],
        )


async def _load_parent(conn: Connection, issues: IssueCollector, parent_id: int | None) -> TradeUnion | None:
    if parent_id is None:
        return None
    parent = await repo.get_union(conn, parent_id)
    if parent is None:
        issues.add("PARENT_NOT_FOUND", "the parent union does not exist", ["parentId"])
    return parent


async def create_union(uow: UnitOfWork, new: NewUnion) -> TradeUnion:
    """Found a union (建会) under an existing parent; emits `union.created`."""
    issues = IssueCollector()
    name = _check_name(issues, new.name)
    try:
        region_code = validate_region_code(new.region_code)
    except RegionCodeError as exc:
        issues.add("INVALID_REGION_CODE", str(exc), ["regionCode"])
        region_code = None
    parent = await _load_parent(uow.conn, issues, new.parent_id)
    if region_code and (parent is not None or new.parent_id is None):
        check_placement(issues, new.kind, region_code, parent)
    parent_ok = parent is not None or new.parent_id is None
    if name and parent_ok and await repo.find_union_by_name(uow.conn, new.parent_id, name) is not None:
        issues.add("DUPLICATE_NAME", f"a union named {name!r} already exists under this parent", ["name"])
    issues.raise_if_any()
    assert region_code is not None
    try:
        async with uow.conn.transaction():  # savepoint: a lost race on the unique index is a user error
            union = await repo.insert_union(uow.conn, name, new.kind, region_code, parent)
    except asyncpg.UniqueViolationError:
        raise DomainError.single(
            "DUPLICATE_NAME", f"a union named {name!r} already exists under this parent", ["name"]
        ) from None
    await _after_change(uow, union, "union.created")
    return union


async def update_union(
    uow: UnitOfWork, union_id: int, name: str | None, parent_id: int | None, move: bool
) -> TradeUnion:
    """Rename a union and/or move it (with its subtree) under another parent; refuses cycles."""
    conn = uow.conn
    if not await repo.lock_union(conn, union_id):
        raise NotFound.single("NOT_FOUND", "the union does not exist", ["id"])
    union = await repo.get_union(conn, union_id)
    assert union is not None
    issues = IssueCollector()
    new_parent_id = parent_id if move else union.parent_id
    parent = await _load_parent(conn, issues, new_parent_id)
    if parent is not None and union.id in parent.path:
        issues.add("CYCLE", "a union cannot be moved under itself or one of its descendants", ["parentId"])
    elif move and (parent is not None or new_parent_id is None):
        check_placement(issues, union.kind, union.region_code, parent)
    new_name = _check_name(issues, name) if name is not None else union.name
    if new_name.lower() != union.name.lower() or new_parent_id != union.parent_id:
        clash = await repo.find_union_by_name(conn, new_parent_id, new_name)
        if clash is not None and clash != union.id:
            issues.add(
                "DUPLICATE_NAME", f"a union named {new_name!r} already exists under this parent", ["name"]
            )
    issues.raise_if_any()
    if name is not None:
        await repo.update_union_name(conn, union.id, new_name)
    if move and new_parent_id != union.parent_id:
        await repo.move_union(conn, union.id, list(parent.path) if parent else [])
        if union.parent_id is not None:
            await record_job(uow, Job.RECOUNT_UNION, {"union_id": union.parent_id})
    updated = await repo.get_union(conn, union.id)
    assert updated is not None
    await _after_change(uow, updated, "union.updated")
    return updated


async def _after_change(uow: UnitOfWork, union: TradeUnion, event_type: str) -> None:
    await record_event(
        uow.conn,
        event_type,
        to_global_id("TradeUnion", union.id),
        {"name": union.name, "kind": union.kind.value, "parentId": union.parent_id},
        region_code=union.region_code,
    )
    await record_job(uow, Job.RECOUNT_UNION, {"union_id": union.id})


async def recount_union(conn: Connection, union_id: int) -> list[UnionStats]:
    """Recompute the subtree counts of a union and all its ancestors (idempotent)."""
    return await repo.recount_union_and_ancestors(conn, union_id)
