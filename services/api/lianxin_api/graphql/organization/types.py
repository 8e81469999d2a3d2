"""GraphQL types for organizations (member units, employers, sponsors)."""

from __future__ import annotations

import strawberry

from lianxin.core.ids import to_global_id
from lianxin.organization.models import Organization, OrganizationKind
from lianxin_api.context import Info
from lianxin_api.graphql.common import Node, UserError, errors_field
from lianxin_api.graphql.trade_union.types import TradeUnionType
from lianxin_api.graphql.visibility import visible

strawberry.enum(
    OrganizationKind, name="OrganizationKind", description="MEMBER_UNIT 会员单位, EMPLOYER, SPONSOR 爱心单位."
)


@strawberry.type(name="Organization", description="A member unit, employer or sponsor (爱心单位).")
class OrganizationType(Node):
    model: strawberry.Private[Organization]
    name: str
    kind: OrganizationKind
    credit_code: str = strawberry.field(description="Unified social credit code (GB 32100).")
    region_code: str

    @classmethod
    def from_model(cls, org: Organization) -> OrganizationType:
        return cls(
            id=strawberry.ID(to_global_id("Organization", org.id)),
            model=org,
            name=org.name,
            kind=org.kind,
            credit_code=org.credit_code,
            region_code=org.region_code,
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


@strawberry.type(name="OrganizationPayload")
class OrganizationPayload:
    organization: OrganizationType | None
    errors: list[UserError] = errors_field()


@strawberry.input(name="CreateOrganizationInput")
class CreateOrganizationInput:
    name: str
    credit_code: str = strawberry.field(
        description="18-character unified social credit code with check digit."
    )
    kind: OrganizationKind
    union_id: strawberry.ID | None = None
    region_code: str | None = strawberry.field(
        default=None, description="Defaults to the region embedded in the credit code (characters 3–8)."
    )
