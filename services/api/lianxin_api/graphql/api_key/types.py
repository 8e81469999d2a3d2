"""GraphQL shapes of agency API keys. No type has a field for the key: it is returned once, by
`createApiKey`, as `CreateApiKeyPayload.key`."""

from __future__ import annotations

from datetime import datetime

import strawberry

from lianxin.api_key.models import ApiKey
from lianxin.core.ids import to_global_id
from lianxin_api.graphql.common import UserError, errors_field


@strawberry.type(name="ApiKey", description="An agency's key (it acts as CIVIL_AFFAIRS for the agency).")
class ApiKeyType:
    id: strawberry.ID = strawberry.field(description="Global id of the key (revokeApiKey takes it).")
    agency_id: strawberry.ID = strawberry.field(description="The Agency the key acts for.")
    name: str = strawberry.field(description="The system that uses the key.")
    prefix: str = strawberry.field(description='The key\'s first characters ("lx_" + 8), to recognise it.')
    created_at: datetime = strawberry.field(description="When the key was issued.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked; null while it works.")

    @classmethod
    def from_model(cls, k: ApiKey) -> ApiKeyType:
        return cls(
            id=strawberry.ID(to_global_id("ApiKey", k.id)),
            agency_id=strawberry.ID(to_global_id("Agency", k.agency_id)),
            name=k.name,
            prefix=k.prefix,
            created_at=k.created_at,
            revoked_at=k.revoked_at,
        )


@strawberry.input(name="CreateApiKeyInput", description="An API key to issue for an agency.")
class CreateApiKeyInput:
    agency_id: strawberry.ID = strawberry.field(description="The Agency the key will act for.")
    name: str = strawberry.field(description="The system that will use the key.")


@strawberry.type(name="CreateApiKeyPayload", description="Result of createApiKey.")
class CreateApiKeyPayload:
    api_key: ApiKeyType | None = strawberry.field(
        description="The key's record; null when errors is not empty."
    )
    key: str | None = strawberry.field(
        description="The key itself (`Authorization: Bearer lx_…`). Shown this once; only a hash is kept."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(name="ApiKeyPayload", description="Result of revokeApiKey.")
class ApiKeyPayload:
    api_key: ApiKeyType | None = strawberry.field(
        description="The key's record after the change; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()
