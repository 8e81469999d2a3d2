"""Cooperative verbs: found a cooperative, admit a household with its land shares (土地入股),
register an asset or a lease, record a year's income and dividends.

Land is exact mu: a `Decimal` with at most two places, never rounded on the way in (like money).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

import asyncpg

from lianxin.cooperative import repository as repo
from lianxin.cooperative.models import Cooperative, CooperativeAsset, CooperativeAssetKind, CooperativeYear
from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError, IssueCollector
from lianxin.core.ids import to_global_id
from lianxin.core.jobs import Job, record_job
from lianxin.core.money import MoneyError, fen_to_yuan, parse_yuan
from lianxin.core.region import RegionCodeError, region_contains, validate_region_code
from lianxin.events.outbox import record_event

MAX_MU: Final = Decimal("99999999.99")  # the widest column, cooperative_member.land_share_mu numeric(10, 2)
MAX_ASSET_COUNT: Final = 100_000
FIRST_YEAR: Final = 1990
_HUNDREDTH: Final = Decimal("0.01")


@dataclass(frozen=True)
class NewCooperative:
    name: str
    village: str
    region_code: str
    land_mu: Decimal
    led_by_party_branch: bool = True
    chair_name: str | None = None
    founded_on: date | None = None
    union_id: int | None = None


@dataclass(frozen=True)
class NewLease:
    lessee: str
    annual_rent: Decimal  # yuan per year for all the asset's items together


@dataclass(frozen=True)
class NewAsset:
    kind: CooperativeAssetKind
    count: int = 1
    description: str = ""
    crop: str | None = None
    lease: NewLease | None = None


def _check_mu(issues: IssueCollector, value: Decimal, field: list[str]) -> Decimal | None:
    """An area in mu, exactly as given, with two places; None (and an issue) if unusable."""
    if not isinstance(value, Decimal):  # a float 0.1 is not 0.1 mu: refuse it rather than convert it
        raise TypeError(f"an area must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        issues.add("INVALID_AREA", f"an area must be a finite number of mu, got {value}", field)
    elif value < 0:
        issues.add("NEGATIVE_AREA", f"an area must not be negative, got {value}", field)
    elif value > MAX_MU:
        issues.add("AREA_TOO_LARGE", f"an area must be at most {MAX_MU} mu, got {value}", field)
    elif value != value.quantize(_HUNDREDTH):  # exact comparison: nothing finer than 0.01 mu
        issues.add("TOO_MANY_DECIMALS", f"an area must have at most 2 decimal places, got {value}", field)
    else:
        return value.quantize(_HUNDREDTH)
    return None


def _check_yuan(issues: IssueCollector, value: Decimal, field: list[str]) -> int | None:
    try:
        return parse_yuan(value)
    except MoneyError as exc:
        issues.add(exc.code, exc.message, field)
        return None


def _check_text(
    issues: IssueCollector, value: str, field: str, code: str, max_length: int, *, required: bool = False
) -> str | None:
    """The text stripped (None when empty); `code`_REQUIRED / `code`_TOO_LONG when it is unusable."""
    cleaned = value.strip()
    if not cleaned and required:
        issues.add(f"{code}_REQUIRED", f"{field} must not be empty", [field])
    elif len(cleaned) > max_length:
        issues.add(f"{code}_TOO_LONG", f"{field} is longer than {max_length} characters", [field])
    return cleaned or None


async def _check_union(uow: UnitOfWork, issues: IssueCollector, union_id: int, region: str | None) -> None:
    union_region = await repo.get_union_region(uow.conn, union_id)
    if union_region is None:
        issues.add("UNION_NOT_FOUND", "the union does not exist", ["unionId"])
    elif region and not region_contains(union_region, region):
        issues.add(
            "REGION_OUTSIDE_UNION", f"region {region} is outside the union's {union_region}", ["regionCode"]
        )


async def create_cooperative(uow: UnitOfWork, new: NewCooperative, *, today: date) -> Cooperative:
    """Found a cooperative (名称 unique within its region); emits `cooperative.created`."""
    issues = IssueCollector()
    name = _check_text(issues, new.name, "name", "NAME", 200, required=True)
    village = _check_text(issues, new.village, "village", "VILLAGE", 100, required=True)
    chair_name = _check_text(issues, new.chair_name or "", "chairName", "CHAIR_NAME", 100)
    region: str | None = None
    try:
        region = validate_region_code(new.region_code)
    except RegionCodeError as exc:
        issues.add("INVALID_REGION_CODE", str(exc), ["regionCode"])
    land_mu = _check_mu(issues, new.land_mu, ["landMu"])
    if new.founded_on is not None and new.founded_on > today:
        issues.add("FOUNDED_IN_FUTURE", "a cooperative cannot be founded after today", ["foundedOn"])
    if new.union_id is not None:
        await _check_union(uow, issues, new.union_id, region)
    duplicate = f"a cooperative named {name!r} already exists in region {region}"
    if name and region and await repo.find_cooperative_by_name(uow.conn, region, name) is not None:
        issues.add("DUPLICATE_NAME", duplicate, ["name"])
    issues.raise_if_any()
    assert name is not None
    assert village is not None
    assert region is not None
    assert land_mu is not None
    try:
        async with uow.conn.transaction():  # savepoint: a lost race on UNIQUE (region_code, name)
            coop = await repo.insert_cooperative(
                uow.conn,
                name,
                village,
                region,
                new.led_by_party_branch,
                land_mu,
                chair_name,
                new.founded_on,
                new.union_id,
            )
    except asyncpg.UniqueViolationError:
        raise DomainError.single("DUPLICATE_NAME", duplicate, ["name"]) from None
    await _event(uow, coop, "cooperative.created", {"name": coop.name, "landMu": str(coop.land_mu)})
    return coop


async def _check_share_fits(
    uow: UnitOfWork, issues: IssueCollector, coop: Cooperative, share: Decimal
) -> None:
    held = await repo.total_share_mu(uow.conn, coop.id)
    if held + share > coop.land_mu:  # Decimal addition of two-place values below 10^9 is exact
        issues.add(
            "LAND_SHARES_EXCEED_TOTAL",
            f"members already hold {held} of the cooperative's {coop.land_mu} mu; "
            f"at most {coop.land_mu - held} mu remain",
            ["landShareMu"],
        )


async def add_member(
    uow: UnitOfWork,
    cooperative_id: int,
    household_id: int,
    land_share_mu: Decimal,
    *,
    joined_on: date | None = None,
    today: date,
) -> Cooperative:
    """Admit a household with its land shares; the shares of all members fit within `land_mu`.

    A household's cooperative income changes with this, so a `household_changed` job is recorded.
    """
    issues = IssueCollector()
    coop = await repo.lock_cooperative(uow.conn, cooperative_id)  # held until commit: see queries.sql
    if coop is None:
        issues.add("COOPERATIVE_NOT_FOUND", "the cooperative does not exist", ["cooperativeId"])
    household_found = await repo.household_exists(uow.conn, household_id)
    if not household_found:
        issues.add("HOUSEHOLD_NOT_FOUND", "the household does not exist", ["householdId"])
    share = _check_mu(issues, land_share_mu, ["landShareMu"])
    if share is not None and share == 0:
        issues.add("LAND_SHARE_NOT_POSITIVE", "a member's land share must be above 0 mu", ["landShareMu"])
        share = None
    joined = joined_on or today
    if joined > today:
        issues.add("JOINED_IN_FUTURE", "a household cannot join after today", ["joinedOn"])
    already = coop is not None and household_found and await repo.is_member(uow.conn, coop.id, household_id)
    if already:
        issues.add("ALREADY_MEMBER", "the household is already a member of this cooperative", ["householdId"])
    if coop is not None and share is not None and not already:
        await _check_share_fits(uow, issues, coop, share)
    issues.raise_if_any()
    assert coop is not None
    assert share is not None
    await repo.insert_member(uow.conn, coop.id, household_id, share, joined)
    await record_event(
        uow.conn,
        "cooperative.member_added",
        to_global_id("Household", household_id),
        {
            "cooperativeId": to_global_id("Cooperative", coop.id),
            "landShareMu": str(share),
            "joinedOn": joined.isoformat(),
        },
        region_code=coop.region_code,
    )
    await record_job(uow, Job.HOUSEHOLD_CHANGED, {"household_id": household_id})
    return coop


async def _existing(uow: UnitOfWork, issues: IssueCollector, cooperative_id: int) -> Cooperative | None:
    coop = await repo.get_cooperative(uow.conn, cooperative_id)
    if coop is None:
        issues.add("COOPERATIVE_NOT_FOUND", "the cooperative does not exist", ["cooperativeId"])
    return coop


async def add_asset(uow: UnitOfWork, cooperative_id: int, new: NewAsset) -> CooperativeAsset:
    """Register `count` items of one kind (e.g. 16 greenhouses), optionally with a crop and a lease."""
    issues = IssueCollector()
    coop = await _existing(uow, issues, cooperative_id)
    if not 1 <= new.count <= MAX_ASSET_COUNT:
        issues.add("INVALID_COUNT", f"count must be between 1 and {MAX_ASSET_COUNT}", ["count"])
    description = _check_text(issues, new.description, "description", "DESCRIPTION", 500) or ""
    crop = _check_text(issues, new.crop or "", "crop", "CROP", 100)
    lessee: str | None = None
    rent_fen: int | None = None
    if new.lease is not None:
        lessee = new.lease.lessee.strip()
        if not lessee:
            issues.add("LESSEE_REQUIRED", "name who leases the asset", ["lease", "lessee"])
        elif len(lessee) > 200:
            issues.add("LESSEE_TOO_LONG", "the lessee is longer than 200 characters", ["lease", "lessee"])
        rent_fen = _check_yuan(issues, new.lease.annual_rent, ["lease", "annualRent"])
    issues.raise_if_any()
    assert coop is not None
    asset = await repo.insert_asset(
        uow.conn, coop.id, new.kind, description, new.count, crop, lessee, rent_fen
    )
    payload: dict[str, Any] = {"kind": asset.kind.value, "count": asset.count, "lessee": asset.lessee}
    if asset.annual_rent_fen is not None:
        payload["annualRent"] = str(fen_to_yuan(asset.annual_rent_fen))
    await _event(uow, coop, "cooperative.asset_added", payload)
    return asset


async def record_year(
    uow: UnitOfWork, cooperative_id: int, year: int, income: Decimal, dividend: Decimal, *, today: date
) -> CooperativeYear:
    """Record (or correct) one year's income and the dividends paid from it; dividends ≤ income."""
    issues = IssueCollector()
    coop = await _existing(uow, issues, cooperative_id)
    if year < FIRST_YEAR:
        issues.add("INVALID_YEAR", f"the year must be {FIRST_YEAR} or later", ["year"])
    elif year > today.year:
        issues.add("YEAR_IN_FUTURE", f"{year} has not begun", ["year"])
    elif coop is not None and coop.founded_on is not None and year < coop.founded_on.year:
        issues.add("YEAR_BEFORE_FOUNDING", f"the cooperative was founded on {coop.founded_on}", ["year"])
    income_fen = _check_yuan(issues, income, ["income"])
    dividend_fen = _check_yuan(issues, dividend, ["dividend"])
    if income_fen is not None and dividend_fen is not None and dividend_fen > income_fen:
        issues.add(
            "DIVIDEND_EXCEEDS_INCOME", f"dividends of {dividend} exceed the income of {income}", ["dividend"]
        )
    issues.raise_if_any()
    assert coop is not None
    assert income_fen is not None
    assert dividend_fen is not None
    recorded = await repo.upsert_year(uow.conn, coop.id, year, income_fen, dividend_fen)
    amounts = {"income": str(fen_to_yuan(income_fen)), "dividend": str(fen_to_yuan(dividend_fen))}
    await _event(uow, coop, "cooperative.year_recorded", {"year": year, **amounts})
    return recorded


async def _event(uow: UnitOfWork, coop: Cooperative, event_type: str, payload: dict[str, Any]) -> None:
    await record_event(
        uow.conn, event_type, to_global_id("Cooperative", coop.id), payload, region_code=coop.region_code
    )
