"""Creating and revoking agency API keys (ADMIN)."""

from __future__ import annotations

import strawberry

from lianxin.api_key import service
from lianxin.api_key.models import ApiKey
from lianxin.core.db import UnitOfWork
from lianxin.core.ids import expect_global_id
from lianxin_api.context import Info
from lianxin_api.graphql.api_key.types import (
    ApiKeyPayload,
    ApiKeyType,
    CreateApiKeyInput,
    CreateApiKeyPayload,
)
from lianxin_api.graphql.common import ById, MutationInput
from lianxin_api.graphql.mutation import run_in_transaction
from lianxin_api.graphql.permissions import require_operation


@strawberry.type
class ApiKeyMutation:
    @strawberry.mutation(
        description="Issue an API key for a civil-affairs agency; the key is shown once (ADMIN)."
    )
    async def create_api_key(
        self, info: Info, input: MutationInput[CreateApiKeyInput]
    ) -> CreateApiKeyPayload:
        caller = require_operation(info, "createApiKey")

        async def work(uow: UnitOfWork) -> tuple[ApiKey, str]:
            agency_id = expect_global_id(input.agency_id, "Agency", "agencyId")
            return await service.create_api_key(uow, agency_id, input.name, caller.subject)

        result, errors = await run_in_transaction(info, work)
        if result is None:
            return CreateApiKeyPayload(api_key=None, key=None, errors=errors)
        return CreateApiKeyPayload(api_key=ApiKeyType.from_model(result[0]), key=result[1], errors=[])

    @strawberry.mutation(description="Revoke an API key; it is refused from the next request on (ADMIN).")
    async def revoke_api_key(self, info: Info, id: ById) -> ApiKeyPayload:
        require_operation(info, "revokeApiKey")

        async def work(uow: UnitOfWork) -> ApiKey:
            return await service.revoke_api_key(uow, expect_global_id(id, "ApiKey", "id"))

        key, errors = await run_in_transaction(info, work)
        return ApiKeyPayload(api_key=ApiKeyType.from_model(key) if key else None, errors=errors)
