"""GraphQL types of land-share cooperatives (党支部领办土地股份合作社)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from lianxin.cooperative.models import (
    Cooperative,
    CooperativeAsset,
    CooperativeAssetKind,
    CooperativeMember,
    CooperativeYear,
)
from lianxin.core.ids import to_global_id
from lianxin.core.money import fen_to_yuan
from lianxin_api.context import Info
from lianxin_api.graphql.common import Node, UserError, describe_values, errors_field
from lianxin_api.graphql.trade_union.types import TradeUnionType
from lianxin_api.graphql.visibility import only_of_visible_households, visible

if TYPE_CHECKING:
    from lianxin_api.graphql.household.types import HouseholdType

strawberry.enum(
    CooperativeAssetKind,
    name="CooperativeAssetKind",
    description="GREENHOUSE 大棚, LAND 地块, EQUIPMENT 农机设备, BUILDING 厂房仓库, OTHER.",
)
describe_values(
    CooperativeAssetKind,
    {
        CooperativeAssetKind.GREENHOUSE: "大棚: a greenhouse.",
        CooperativeAssetKind.LAND: "地块: a plot of land.",
        CooperativeAssetKind.EQUIPMENT: "农机设备: farm machinery or equipment.",
        CooperativeAssetKind.BUILDING: "厂房仓库: a workshop or warehouse.",
        CooperativeAssetKind.OTHER: "其他: anything else.",
    },
)


@strawberry.type(name="CooperativeMember", description="A household holding land shares (土地入股).")
class CooperativeMemberType:
    model: strawberry.Private[CooperativeMember]
    land_share_mu: Decimal = strawberry.field(description="Land contributed, in mu (亩), two places.")
    joined_on: date = strawberry.field(description="The day the household joined.")

    @classmethod
    def from_model(cls, m: CooperativeMember) -> CooperativeMemberType:
        return cls(model=m, land_share_mu=m.land_share_mu, joined_on=m.joined_on)

    @strawberry.field(description="The member household.")
    async def household(
        self, info: Info
    ) -> Annotated[HouseholdType, strawberry.lazy("lianxin_api.graphql.household.types")]:
        from lianxin_api.graphql.household.types import HouseholdType

        household = await info.context.loaders.household_by_id.load(self.model.household_id)
        assert household is not None  # cooperative_member.household_id is a foreign key
        return HouseholdType.from_model(household)


@strawberry.type(
    name="CooperativeAsset",
    description="`count` items of one kind with one use, e.g. 12 greenhouses leased to one tenant.",
)
class CooperativeAssetType:
    id: strawberry.ID = strawberry.field(description="Global id of the asset; not resolvable by `node`.")
    kind: CooperativeAssetKind = strawberry.field(description="What the items are.")
    description: str = strawberry.field(description="Free text about the items; may be empty.")
    count: int = strawberry.field(description="How many items.")
    crop: str | None = strawberry.field(description="What is planted, e.g. 圣女果 (cherry tomatoes).")
    lessee: str | None = strawberry.field(description="Who leases the items; null when not leased.")
    annual_rent: Decimal | None = strawberry.field(
        description="Yuan per year for all `count` items together; null when not leased."
    )

    @classmethod
    def from_model(cls, a: CooperativeAsset) -> CooperativeAssetType:
        return cls(
            id=strawberry.ID(to_global_id("CooperativeAsset", a.id)),
            kind=a.kind,
            description=a.description,
            count=a.count,
            crop=a.crop,
            lessee=a.lessee,
            annual_rent=fen_to_yuan(a.annual_rent_fen) if a.annual_rent_fen is not None else None,
        )


@strawberry.type(name="CooperativeYear", description="One year's accounts of a cooperative.")
class CooperativeYearType:
    year: int = strawberry.field(description="The calendar year.")
    income: Decimal = strawberry.field(description="The cooperative's income that year, yuan.")
    dividend: Decimal = strawberry.field(description="Dividends paid out to member households, yuan.")

    @classmethod
    def from_model(cls, y: CooperativeYear) -> CooperativeYearType:
        return cls(year=y.year, income=fen_to_yuan(y.income_fen), dividend=fen_to_yuan(y.dividend_fen))


@strawberry.type(
    name="Cooperative",
    description="A village land-share cooperative, usually led by its party branch (党支部领办合作社).",
)
class CooperativeType(Node):
    model: strawberry.Private[Cooperative]
    name: str = strawberry.field(description="The cooperative's name, unique within its region.")
    village: str = strawberry.field(description="The village (村) it belongs to.")
    region_code: str = strawberry.field(description="GB/T 2260 administrative division code.")
    led_by_party_branch: bool = strawberry.field(description="Led by the village party branch (党支部领办).")
    land_mu: Decimal = strawberry.field(description="Land held by the cooperative, in mu (亩).")
    chair_name: str | None = strawberry.field(description="The chair (理事长), often the branch secretary.")
    founded_on: date | None = strawberry.field(description="When it was founded; null: not recorded.")

    @classmethod
    def from_model(cls, c: Cooperative) -> CooperativeType:
        return cls(
            id=strawberry.ID(to_global_id("Cooperative", c.id)),
            model=c,
            name=c.name,
            village=c.village,
            region_code=c.region_code,
            led_by_party_branch=c.led_by_party_branch,
            land_mu=c.land_mu,
            chair_name=c.chair_name,
            founded_on=c.founded_on,
        )

    @strawberry.field(description="The union that looks after the village, if any.")
    async def union(self, info: Info) -> TradeUnionType | None:
        if self.model.union_id is None:
            return None
        union = await info.context.loaders.union_by_id.load(self.model.union_id)
        if union is None or not await visible(info, "TradeUnion", union):
            return None
        return TradeUnionType.from_model(union)

    @strawberry.field(
        description="Member households in the order they joined; only those in the caller's scope."
    )
    async def members(self, info: Info) -> list[CooperativeMemberType]:
        found = await info.context.loaders.members_by_cooperative.load(self.model.id)
        seen = await only_of_visible_households(info, found, lambda m: m.household_id)
        return [CooperativeMemberType.from_model(m) for m in seen]

    async def _visible_members(self, info: Info) -> list[CooperativeMember]:
        # the counts cover the members `members` lists, so they tell nothing about households outside
        # the caller's scope (a UNION_STAFF caller's union subtree)
        found = await info.context.loaders.members_by_cooperative.load(self.model.id)
        return await only_of_visible_households(info, found, lambda m: m.household_id)

    @strawberry.field(description="How many member households there are in the caller's scope.")
    async def member_count(self, info: Info) -> int:
        return len(await self._visible_members(info))

    @strawberry.field(
        description="The land shares of the members in the caller's scope, in mu; never above landMu."
    )
    async def total_share_mu(self, info: Info) -> Decimal:
        found = await self._visible_members(info)
        return sum((m.land_share_mu for m in found), Decimal("0.00"))

    @strawberry.field(description="Greenhouses, land, equipment and buildings, with their leases.")
    async def assets(self, info: Info) -> list[CooperativeAssetType]:
        found = await info.context.loaders.assets_by_cooperative.load(self.model.id)
        return [CooperativeAssetType.from_model(a) for a in found]

    @strawberry.field(description="Income and dividends by year, oldest first.")
    async def years(self, info: Info) -> list[CooperativeYearType]:
        found = await info.context.loaders.years_by_cooperative.load(self.model.id)
        return [CooperativeYearType.from_model(y) for y in found]


@strawberry.type(
    name="CooperativePayload", description="Result of createCooperative or addCooperativeMember."
)
class CooperativePayload:
    cooperative: CooperativeType | None = strawberry.field(
        description="The cooperative after the change; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(name="CooperativeAssetPayload", description="Result of addCooperativeAsset.")
class CooperativeAssetPayload:
    asset: CooperativeAssetType | None = strawberry.field(
        description="The asset as registered; null when errors is not empty."
    )
    cooperative: CooperativeType | None = strawberry.field(
        description="The cooperative after the change; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(name="CooperativeYearPayload", description="Result of recordCooperativeYear.")
class CooperativeYearPayload:
    year: CooperativeYearType | None = strawberry.field(
        description="The year's figures as recorded; null when errors is not empty."
    )
    cooperative: CooperativeType | None = strawberry.field(
        description="The cooperative after the change; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(name="CreateCooperativeInput", description="A land-share cooperative to found.")
class CreateCooperativeInput:
    name: str = strawberry.field(description="Unique within the region.")
    village: str = strawberry.field(description="The village (村) it belongs to.")
    region_code: str = strawberry.field(description="GB/T 2260 code (6 digits) of the village's area.")
    land_mu: Decimal = strawberry.field(description="Mu (亩), ≥ 0, at most 2 decimals.")
    led_by_party_branch: bool = strawberry.field(
        default=True, description="Led by the village party branch (党支部领办)."
    )
    chair_name: str | None = strawberry.field(default=None, description="The chair (理事长); omitted: none.")
    founded_on: date | None = strawberry.field(
        default=None, description="When it was founded; omitted: unknown."
    )
    union_id: strawberry.ID | None = strawberry.field(default=None, description="A TradeUnion id.")


@strawberry.input(name="AddCooperativeMemberInput", description="A household joining with its land shares.")
class AddCooperativeMemberInput:
    cooperative_id: strawberry.ID = strawberry.field(description="The Cooperative.")
    household_id: strawberry.ID = strawberry.field(description="The Household joining.")
    land_share_mu: Decimal = strawberry.field(
        description="Mu (亩), > 0, at most 2 decimals; all shares together stay within landMu."
    )
    joined_on: date | None = strawberry.field(default=None, description="Defaults to today.")


@strawberry.input(name="LeaseInput", description="Who leases an asset's items, and for how much.")
class LeaseInput:
    lessee: str = strawberry.field(description="The tenant, a person or a company.")
    annual_rent: Decimal = strawberry.field(description="Yuan per year for all the asset's items.")


@strawberry.input(name="AddCooperativeAssetInput", description="Items of one kind and one use to register.")
class AddCooperativeAssetInput:
    cooperative_id: strawberry.ID = strawberry.field(description="The Cooperative.")
    kind: CooperativeAssetKind = strawberry.field(description="What the items are.")
    count: int = strawberry.field(default=1, description="How many items, ≥ 1.")
    description: str = strawberry.field(default="", description="Free text about the items.")
    crop: str | None = strawberry.field(default=None, description="What is planted, e.g. 圣女果.")
    lease: LeaseInput | None = strawberry.field(default=None, description="When the items are leased out.")


@strawberry.input(name="RecordCooperativeYearInput", description="One year's accounts of a cooperative.")
class RecordCooperativeYearInput:
    cooperative_id: strawberry.ID = strawberry.field(description="The Cooperative.")
    year: int = strawberry.field(description="The calendar year; recording it again replaces its figures.")
    income: Decimal = strawberry.field(description="Yuan, ≥ 0.")
    dividend: Decimal = strawberry.field(description="Yuan paid to members, at most the income.")
