"""Organization verbs: register a member unit, employer or sponsor with its credit code."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError, IssueCollector
from lianxin.core.ids import to_global_id
from lianxin.core.jobs import Job, record_job
from lianxin.core.region import RegionCodeError, validate_region_code
from lianxin.events.outbox import record_event
from lianxin.organization import repository as repo
from lianxin.organization.models import Organization, OrganizationKind
from lianxin.trade_union import repository as union_repo
from lianxin.trade_union.credit_code import CreditCodeError, validate_credit_code


@dataclass(frozen=True)
class NewOrganization:
    name: str
    credit_code: str
    kind: OrganizationKind
    union_id: int | None
    region_code: str | None  # defaults to the region embedded in the credit code


def _region(issues: IssueCollector, given: str | None, credit_code: str | None) -> str | None:
    """The organization's region: as given, else characters 3–8 of its credit code (GB 32100)."""
    if given is None and credit_code is None:
        return None
    try:
        return validate_region_code(given if given is not None else str(credit_code)[2:8])
    except RegionCodeError as exc:
        if given is None:  # e.g. nationally registered bodies carry 100000, not a division code
            issues.add(
                "REGION_REQUIRED",
                f"give regionCode: the credit code's region is unusable ({exc})",
                ["regionCode"],
            )
        else:
            issues.add("INVALID_REGION_CODE", str(exc), ["regionCode"])
        return None


async def create_organization(uow: UnitOfWork, new: NewOrganization) -> Organization:
    """Register an organization; its unified social credit code is validated and unique."""
    issues = IssueCollector()
    name = new.name.strip()
    if not name:
        issues.add("NAME_REQUIRED", "the name must not be empty", ["name"])
    elif len(name) > 200:
        issues.add("NAME_TOO_LONG", "the name is longer than 200 characters", ["name"])
    credit_code: str | None = None
    try:
        credit_code = validate_credit_code(new.credit_code)
    except CreditCodeError as exc:
        issues.add(exc.code, exc.message, ["creditCode"])
    region_code = _region(issues, new.region_code, credit_code)
    if new.union_id is not None and await union_repo.get_union(uow.conn, new.union_id) is None:
        issues.add("UNION_NOT_FOUND", "the union does not exist", ["unionId"])
    if credit_code and await repo.credit_code_taken(uow.conn, credit_code):
        issues.add(
            "DUPLICATE_CREDIT_CODE", f"an organization with credit code {credit_code} exists", ["creditCode"]
        )
    issues.raise_if_any()
    assert credit_code is not None
    assert region_code is not None
    try:
        async with uow.conn.transaction():
            org = await repo.insert_organization(
                uow.conn, name, credit_code, new.kind, new.union_id, region_code
            )
    except asyncpg.UniqueViolationError:
        raise DomainError.single(
            "DUPLICATE_CREDIT_CODE", f"an organization with credit code {credit_code} exists", ["creditCode"]
        ) from None
    await record_event(
        uow.conn,
        "organization.created",
        to_global_id("Organization", org.id),
        {"name": org.name, "kind": org.kind.value},
        region_code=org.region_code,
    )
    if org.union_id is not None:
        await record_job(uow, Job.RECOUNT_UNION, {"union_id": org.union_id})
    return org
