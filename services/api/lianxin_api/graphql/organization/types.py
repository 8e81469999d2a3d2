"""GraphQL types for organizations (member units, employers, sponsors)."""

from __future__ import annotations

import strawberry

from lianxin.organization.models import Organization, OrganizationKind
from lianxin_api.context import Info
from lianxin_api.graphql.common import Node, UserError, describe_values, errors_field, lazy_global_id, made
from lianxin_api.graphql.trade_union.types import TradeUnionType
from lianxin_api.graphql.visibility import visible

strawberry.enum(
    OrganizationKind, name="OrganizationKind", description="MEMBER_UNIT 会员单位, EMPLOYER, SPONSOR 爱心单位."
)
describe_values(
    OrganizationKind,
    {
        OrganizationKind.MEMBER_UNIT: "会员单位: a unit whose workers are union members.",
        OrganizationKind.EMPLOYER: "用人单位: an employer of household members.",
        OrganizationKind.SPONSOR: "爱心单位: pairs with households (结对帮扶); may hold a SPONSOR token.",
    },
)


@lazy_global_id
@strawberry.type(name="Organization", description="A member unit, employer or sponsor (爱心单位).")
class OrganizationType(Node):
    model: strawberry.Private[Organization]
    name: str = strawberry.field(description="Registered name.")
    kind: OrganizationKind = strawberry.field(description="Member unit, employer or sponsor.")
    credit_code: str = strawberry.field(description="Unified social credit code (GB 32100).")
    region_code: str = strawberry.field(description="GB/T 2260 code of where it is registered.")

    @classmethod
    def from_model(cls, org: Organization) -> OrganizationType:
        return made(
            cls,
            {
                "model": org,  # (its `id` encoded when read: `lazy_global_id`)
                "name": org.name,
                "kind": org.kind,
                "credit_code": org.credit_code,
                "region_code": org.region_code,
            },
        )

    @strawberry.field(
        description="The union the organization belongs to, if any and within the caller's scope."
    )
    async def union(self, info: Info) -> TradeUnionType | None:
        if self.model.union_id is None:
            return None
        union = await info.context.loaders.union_by_id.load(self.model.union_id)
        if union is None or not await visible(info, "TradeUnion", union):
            return None
        return TradeUnionType.from_model(union)


@strawberry.type(name="OrganizationPayload", description="Result of createOrganization.")
class OrganizationPayload:
    organization: OrganizationType | None = strawberry.field(
        description="The organization as registered; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(name="CreateOrganizationInput", description="An organization to register.")
class CreateOrganizationInput:
    name: str = strawberry.field(description="Registered name.")
    credit_code: str = strawberry.field(
        description="18-character unified social credit code with check digit."
    )
    kind: OrganizationKind = strawberry.field(description="Member unit, employer or sponsor.")
    union_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The TradeUnion it belongs to (UNION_STAFF: within its subtree); null: none.",
    )
    region_code: str | None = strawberry.field(
        default=None, description="Defaults to the region embedded in the credit code (characters 3–8)."
    )
