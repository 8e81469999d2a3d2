"""GraphQL inputs for union mutations."""

from __future__ import annotations

import strawberry

from lianxin.trade_union.models import UnionKind


@strawberry.input(name="CreateUnionInput", description="A union to found under a parent in the tree.")
class CreateUnionInput:
    name: str = strawberry.field(description="Full name, e.g. 某区总工会.")
    kind: UnionKind = strawberry.field(description="Tier of the union in the federation's tree.")
    region_code: str = strawberry.field(description="6-digit GB/T 2260 code inside the parent's region.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The parent TradeUnion; null founds a root (a federation)."
    )


@strawberry.input(name="UpdateUnionInput", description="Rename and/or move a union with its subtree.")
class UpdateUnionInput:
    id: strawberry.ID = strawberry.field(description="The TradeUnion to change.")
    name: str | None = strawberry.field(default=None, description="New name; omitted or null: unchanged.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Move under this union; null makes it a root (federations only).",
    )
