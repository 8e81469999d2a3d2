"""The contact person's e-mail address of a household, to which decision and referral notices go."""

from __future__ import annotations

import re
from typing import Annotated

import strawberry

from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError, NotFound
from lianxin.core.ids import expect_global_id
from lianxin.notification import email
from lianxin_api.context import Info
from lianxin_api.graphql.common import UserError, errors_field
from lianxin_api.graphql.mutation import run_in_transaction
from lianxin_api.graphql.permissions import require_operation

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@strawberry.type(name="ContactEmailPayload", description="Result of setHouseholdContactEmail.")
class ContactEmailPayload:
    household_id: strawberry.ID | None = strawberry.field(
        description="The Household changed; null when errors is not empty."
    )
    email: str | None = strawberry.field(description="The address now stored; null: none (removed).")
    errors: list[UserError] = errors_field()


@strawberry.type
class ContactEmailMutation:
    @strawberry.mutation(
        description="Set (or with email: null, remove) where a household's decision and referral notices go."
    )
    async def set_household_contact_email(
        self,
        info: Info,
        household_id: Annotated[strawberry.ID, strawberry.argument(description="The Household.")],
        email: Annotated[
            str | None, strawberry.argument(description="The contact's e-mail address; null removes it.")
        ] = None,
    ) -> ContactEmailPayload:
        require_operation(info, "setHouseholdContactEmail")
        cleaned = email.strip() if email else None

        async def work(uow: UnitOfWork) -> int:
            pk = expect_global_id(household_id, "Household", "householdId")
            if cleaned is not None and (len(cleaned) > 254 or not EMAIL.fullmatch(cleaned)):
                raise DomainError.single("INVALID_EMAIL", "not an e-mail address", ["email"])
            if not await uow.conn.fetchval("SELECT EXISTS (SELECT 1 FROM household WHERE id = $1)", pk):
                raise NotFound.single("NOT_FOUND", "the household does not exist", ["householdId"])
            await _set(uow, pk, cleaned)
            return pk

        pk, errors = await run_in_transaction(info, work)
        if pk is None:
            return ContactEmailPayload(household_id=None, email=None, errors=errors)
        return ContactEmailPayload(household_id=household_id, email=cleaned, errors=[])


async def _set(uow: UnitOfWork, household_id: int, address: str | None) -> None:
    await email.set_contact_email(uow.conn, household_id, address)
