"""Webhook endpoints (register, list, deactivate), deliveries with attempts, and redelivery."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from lianxin.access.rules import agency_limit
from lianxin.core.db import Connection as DbConnection
from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError, NotFound
from lianxin.core.ids import expect_global_id
from lianxin.core.pagination import PageRequest, page_from_rows
from lianxin.core.tokens import Principal
from lianxin.notification import repository as repo
from lianxin.notification import webhook
from lianxin.notification.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from lianxin_api.context import Info
from lianxin_api.graphql.common import After, Before, Connection, First, Last, MutationInput, make_connection
from lianxin_api.graphql.mutation import run_in_transaction
from lianxin_api.graphql.permissions import require_operation
from lianxin_api.graphql.selection import selected_paths
from lianxin_api.graphql.webhook.types import (
    SetWebhookEndpointActivePayload,
    WebhookDeliveryPayload,
    WebhookDeliveryType,
    WebhookEndpointPayload,
    WebhookEndpointType,
)


@strawberry.input(name="CreateWebhookEndpointInput", description="A webhook endpoint to register.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="A public http(s) URL to POST events to (loopback and private addresses are refused)."
    )
    event_types: list[str] = strawberry.field(
        default_factory=list, description="e.g. eligibility.decided, referral.*; empty: all visible."
    )
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="ADMIN only: the owning agency (an agency token always owns its own)."
    )


def _agency_scope(caller: Principal) -> int | None:
    """None for ADMIN/AUDITOR (everything), else the civil-affairs token's agency."""
    limit = agency_limit(caller)
    if not limit.limited:
        return None
    if limit.agency_id is None:
        raise GraphQLError("this civil-affairs token names no agency", extensions={"code": "FORBIDDEN"})
    return limit.agency_id


async def _attempts(conn: DbConnection, deliveries: list[WebhookDelivery]) -> dict[int, list[WebhookAttempt]]:
    """The attempts of a page of deliveries in one statement, by delivery id."""
    found: dict[int, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    for attempt in await repo.list_attempts_by_delivery_ids(conn, list(found)):
        found[attempt.delivery_id].append(attempt)
    return found


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Webhook endpoints: every one for ADMIN/AUDITOR, an agency's own for it.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpointType]:
        caller = require_operation(info, "webhookEndpoints")
        async with info.context.pool.acquire() as conn:
            found = await repo.list_endpoints(conn, _agency_scope(caller))
        return [WebhookEndpointType.from_model(e) for e in found]

    @strawberry.field(
        description="Deliveries, oldest first; dead-lettered ones with status: DEAD. An agency sees its own."
    )
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this WebhookEndpoint's deliveries.")
        ] = None,
        status: Annotated[
            DeliveryStatus | None, strawberry.argument(description="Only deliveries in this status.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[WebhookDeliveryType]:
        caller = require_operation(info, "webhookDeliveries")
        try:
            request = PageRequest.parse(first, after, last, before)
            endpoint = expect_global_id(endpoint_id, "WebhookEndpoint", "endpointId") if endpoint_id else None
        except DomainError as exc:
            raise GraphQLError(exc.issues[0].message, extensions={"code": exc.issues[0].code}) from None
        scope = _agency_scope(caller)
        async with info.context.pool.acquire() as conn, request.reading():
            found = await repo.list_deliveries(
                conn, scope, endpoint, status, request.after_id, request.first + 1
            )
            paths = selected_paths(info)
            # counted only when asked for: the delivery table grows with every event
            wanted = "totalCount" in paths
            total = await repo.count_deliveries(conn, scope, endpoint, status) if wanted else 0
            page = page_from_rows(found, request, total)
            attempts = await _attempts(conn, page.items) if "edges.node.attempts" in paths else None

        def convert(d: WebhookDelivery) -> WebhookDeliveryType:
            return WebhookDeliveryType.from_model(d, attempts[d.id] if attempts is not None else None)

        return make_connection(page, lambda d: d.id, convert)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Register a webhook endpoint; the payload's secret is shown only once.")
    async def create_webhook_endpoint(
        self, info: Info, input: MutationInput[CreateWebhookEndpointInput]
    ) -> WebhookEndpointPayload:
        caller = require_operation(info, "createWebhookEndpoint")
        scope = _agency_scope(caller)

        async def work(uow: UnitOfWork) -> tuple[WebhookEndpoint, str]:
            agency = scope
            if scope is None and input.agency_id:
                agency = expect_global_id(input.agency_id, "Agency", "agencyId")
            new = webhook.NewEndpoint(input.url, input.event_types, agency, caller.subject)
            allow = info.context.settings.webhook_allow_private_targets
            return await webhook.create_endpoint(uow, new, allow_private=allow)

        result, errors = await run_in_transaction(info, work)
        if result is None:
            return WebhookEndpointPayload(endpoint=None, secret=None, errors=errors)
        return WebhookEndpointPayload(
            endpoint=WebhookEndpointType.from_model(result[0]), secret=result[1], errors=[]
        )

    @strawberry.mutation(
        description="Deactivate or reactivate a webhook endpoint (an agency only its own). An inactive "
        "endpoint gets no deliveries: events of that time are never sent to it, and its pending "
        "deliveries wait; reactivated, they are sent at once with a fresh retry window."
    )
    async def set_webhook_endpoint_active(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The WebhookEndpoint.")],
        active: Annotated[bool, strawberry.argument(description="true: reactivate; false: deactivate.")],
    ) -> SetWebhookEndpointActivePayload:
        caller = require_operation(info, "setWebhookEndpointActive")
        scope = _agency_scope(caller)

        async def work(uow: UnitOfWork) -> WebhookEndpoint:
            endpoint_id = expect_global_id(id, "WebhookEndpoint", "id")
            return await webhook.set_endpoint_active(uow, endpoint_id, scope, active)

        endpoint, errors = await run_in_transaction(info, work)
        return SetWebhookEndpointActivePayload(
            endpoint=WebhookEndpointType.from_model(endpoint) if endpoint else None, errors=errors
        )

    @strawberry.mutation(description="Send a delivery again now (any status), with a fresh retry window.")
    async def redeliver_webhook(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The WebhookDelivery.")],
    ) -> WebhookDeliveryPayload:
        caller = require_operation(info, "redeliverWebhook")
        scope = _agency_scope(caller)

        async def work(uow: UnitOfWork) -> WebhookDelivery:
            found = await repo.redeliver(uow.conn, expect_global_id(id, "WebhookDelivery", "id"), scope)
            if found is None:
                raise NotFound.single("NOT_FOUND", "the delivery does not exist", ["id"])
            return found

        delivery, errors = await run_in_transaction(info, work)
        return WebhookDeliveryPayload(
            delivery=WebhookDeliveryType.from_model(delivery) if delivery else None, errors=errors
        )
