"""GraphQL inputs for union mutations."""

from __future__ import annotations

import strawberry

from lianxin.trade_union.models import UnionKind


@strawberry.input(name="CreateUnionInput")
class CreateUnionInput:
    name: str
    kind: UnionKind
    region_code: str = strawberry.field(description="6-digit GB/T 2260 code inside the parent's region.")
    parent_id: strawberry.ID | None = None


@strawberry.input(name="UpdateUnionInput", description="Rename and/or move a union with its subtree.")
class UpdateUnionInput:
    id: strawberry.ID
    name: str | None = None
    parent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Move under this union; null makes it a root (federations only).",
    )
