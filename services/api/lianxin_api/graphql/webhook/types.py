"""GraphQL types of webhooks: endpoints, deliveries and their attempts."""

from __future__ import annotations

from datetime import datetime

import strawberry

from lianxin.core.ids import to_global_id
from lianxin.notification import repository as repo
from lianxin.notification.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from lianxin_api.context import Info
from lianxin_api.graphql.common import UserError, describe_values, errors_field

strawberry.enum(
    DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="PENDING (waiting for an attempt), DELIVERED, FAILED (refused: 3xx or 4xx), DEAD (retries "
    "spent, or the target address is not allowed).",
)
describe_values(
    DeliveryStatus,
    {
        DeliveryStatus.PENDING: "Waiting for its next attempt (nextAttemptAt).",
        DeliveryStatus.DELIVERED: "The endpoint answered 2xx.",
        DeliveryStatus.FAILED: "Refused by the endpoint (3xx or 4xx); not retried unless redelivered.",
        DeliveryStatus.DEAD: "Dead-lettered: retries spent, or the target address is not allowed.",
    },
)


@strawberry.type(name="WebhookEndpoint", description="Where an agency (or an administrator) receives events.")
class WebhookEndpointType:
    id: strawberry.ID = strawberry.field(description="Global id of the endpoint; not resolvable by `node`.")
    url: str = strawberry.field(description="Where events are POSTed (http or https).")
    event_types: list[str] = strawberry.field(description="Types delivered; empty means every visible type.")
    agency_id: strawberry.ID | None = strawberry.field(
        description="The owning Agency; null for an administrator's endpoint."
    )
    active: bool = strawberry.field(description="False: deactivated, nothing is delivered to it.")
    created_at: datetime = strawberry.field(description="When it was registered.")

    @classmethod
    def from_model(cls, e: WebhookEndpoint) -> WebhookEndpointType:
        return cls(
            id=strawberry.ID(to_global_id("WebhookEndpoint", e.id)),
            url=e.url,
            event_types=e.event_types,
            agency_id=strawberry.ID(to_global_id("Agency", e.agency_id)) if e.agency_id else None,
            active=e.active,
            created_at=e.created_at,
        )


@strawberry.type(name="WebhookAttempt", description="One POST of a delivery.")
class WebhookAttemptType:
    attempted_at: datetime = strawberry.field(description="When the POST was sent.")
    status_code: int | None = strawberry.field(description="The HTTP status answered; null when none came.")
    error: str | None = strawberry.field(description="What went wrong (timeout, refused…); null on success.")
    duration_ms: int = strawberry.field(description="How long the attempt took, milliseconds.")

    @classmethod
    def from_model(cls, a: WebhookAttempt) -> WebhookAttemptType:
        return cls(
            attempted_at=a.attempted_at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms
        )


@strawberry.type(name="WebhookDelivery", description="One event for one endpoint, with its attempts.")
class WebhookDeliveryType:
    id: strawberry.ID = strawberry.field(description="Global id of the delivery (redeliverWebhook takes it).")
    endpoint_id: strawberry.ID = strawberry.field(description="The WebhookEndpoint.")
    event_id: strawberry.ID = strawberry.field(description="Also sent as the Lianxin-Event-Id header.")
    event_type: str = strawberry.field(description="The event's type, e.g. eligibility.decided.")
    status: DeliveryStatus = strawberry.field(description="Where the delivery is.")
    attempt_count: int = strawberry.field(description="Attempts made so far.")
    next_attempt_at: datetime = strawberry.field(
        description="When the next attempt is due (backoff with jitter); meaningful while PENDING."
    )
    last_error: str | None = strawberry.field(description="The last attempt's error; null: none.")
    created_at: datetime = strawberry.field(description="When the delivery was queued.")
    delivered_at: datetime | None = strawberry.field(description="When it was DELIVERED; null before.")
    dead_at: datetime | None = strawberry.field(description="When it was dead-lettered; null unless DEAD.")
    pk: strawberry.Private[int]
    # loaded with the whole page when the query asks for attempts (one statement, not one per delivery)
    prefetched: strawberry.Private[list[WebhookAttempt] | None] = None

    @strawberry.field(description="Every attempt, oldest first.")
    async def attempts(self, info: Info) -> list[WebhookAttemptType]:
        found = self.prefetched
        if found is None:
            async with info.context.pool.acquire() as conn:
                found = await repo.list_attempts_by_delivery_ids(conn, [self.pk])
        return [WebhookAttemptType.from_model(a) for a in found]

    @classmethod
    def from_model(
        cls, d: WebhookDelivery, attempts: list[WebhookAttempt] | None = None
    ) -> WebhookDeliveryType:
        return cls(
            prefetched=attempts,
            id=strawberry.ID(to_global_id("WebhookDelivery", d.id)),
            endpoint_id=strawberry.ID(to_global_id("WebhookEndpoint", d.endpoint_id)),
            event_id=strawberry.ID(to_global_id("Event", d.event_id)),
            event_type=d.event_type,
            status=d.status,
            attempt_count=d.attempts,
            next_attempt_at=d.next_attempt_at,
            last_error=d.last_error,
            created_at=d.created_at,
            delivered_at=d.delivered_at,
            dead_at=d.dead_at,
            pk=d.id,
        )


@strawberry.type(name="WebhookEndpointPayload", description="Result of createWebhookEndpoint.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpointType | None = strawberry.field(
        description="The endpoint registered; null when errors is not empty."
    )
    secret: str | None = strawberry.field(
        description=(
            "The signing secret, a Standard Webhooks secret (`whsec_` + base64 of the key bytes): "
            "returned only here, once. Keep it; it cannot be read again."
        )
    )
    errors: list[UserError] = errors_field()


@strawberry.type(name="WebhookDeliveryPayload", description="Result of redeliverWebhook.")
class WebhookDeliveryPayload:
    delivery: WebhookDeliveryType | None = strawberry.field(
        description="The delivery, due again now; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(name="SetWebhookEndpointActivePayload", description="Result of setWebhookEndpointActive.")
class SetWebhookEndpointActivePayload:
    endpoint: WebhookEndpointType | None = strawberry.field(
        description="The endpoint after the change; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()
