"""Party-branch-led land-share cooperatives (党支部领办土地股份合作社): members, assets, yearly accounts.

Land is exact mu (`Decimal` with two places, `numeric` in SQL); money is integer fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import NewType

import asyncpg

CooperativeId = NewType("CooperativeId", int)
CooperativeAssetId = NewType("CooperativeAssetId", int)


class CooperativeAssetKind(StrEnum):
    GREENHOUSE = "GREENHOUSE"  # 大棚
    LAND = "LAND"  # 地块
    EQUIPMENT = "EQUIPMENT"  # 农机设备
    BUILDING = "BUILDING"  # 厂房、仓库
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class Cooperative:
    id: CooperativeId
    name: str
    village: str
    region_code: str
    led_by_party_branch: bool
    land_mu: Decimal
    chair_name: str | None
    founded_on: date | None
    union_id: int | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Cooperative:
        return cls(
            id=CooperativeId(row["id"]),
            name=row["name"],
            village=row["village"],
            region_code=row["region_code"],
            led_by_party_branch=row["led_by_party_branch"],
            land_mu=row["land_mu"],
            chair_name=row["chair_name"],
            founded_on=row["founded_on"],
            union_id=row["union_id"],
            created_at=row["created_at"],
        )


@dataclass(frozen=True, slots=True)
class CooperativeMember:
    """A household holding land shares (土地入股) in a cooperative."""

    cooperative_id: CooperativeId
    household_id: int
    land_share_mu: Decimal
    joined_on: date

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> CooperativeMember:
        return cls(
            cooperative_id=CooperativeId(row["cooperative_id"]),
            household_id=row["household_id"],
            land_share_mu=row["land_share_mu"],
            joined_on=row["joined_on"],
        )


@dataclass(frozen=True, slots=True)
class CooperativeAsset:
    """`count` identical items (e.g. 12 greenhouses) with one use: a crop and/or one lease.

    `annual_rent_fen` is the rent for all `count` items together; a lease has both a lessee and a rent.
    """

    id: CooperativeAssetId
    cooperative_id: CooperativeId
    kind: CooperativeAssetKind
    description: str
    count: int
    crop: str | None
    lessee: str | None
    annual_rent_fen: int | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> CooperativeAsset:
        return cls(
            id=CooperativeAssetId(row["id"]),
            cooperative_id=CooperativeId(row["cooperative_id"]),
            kind=CooperativeAssetKind(row["kind"]),
            description=row["description"],
            count=row["count"],
            crop=row["crop"],
            lessee=row["lessee"],
            annual_rent_fen=row["annual_rent_fen"],
        )


@dataclass(frozen=True, slots=True)
class CooperativeYear:
    """One year's accounts: the cooperative's income and the dividends paid out to members."""

    cooperative_id: CooperativeId
    year: int
    income_fen: int
    dividend_fen: int

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> CooperativeYear:
        return cls(
            cooperative_id=CooperativeId(row["cooperative_id"]),
            year=row["year"],
            income_fen=row["income_fen"],
            dividend_fen=row["dividend_fen"],
        )
