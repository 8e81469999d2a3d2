"""Webhook endpoints, deliveries and attempts; e-mail notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


def public_error(error: str | None) -> str | None:
    """An attempt's error as shown to the endpoint's owner. Rows written before targets were
    checked hold `HTTP 500: <the receiver's body>` or an exception's text: only the part before the
    colon is ours (errors written now have no colon: `HTTP 500 after 12 ms`)."""
    return None if error is None else error.split(":", 1)[0]


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"  # waiting for its (next) attempt
    DELIVERED = "DELIVERED"  # the receiver answered 2xx
    FAILED = "FAILED"  # the receiver refused it (3xx, 4xx other than 408/429): not retried
    DEAD = "DEAD"  # retries exhausted, or the target address is not allowed: dead-lettered


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    id: int
    agency_id: int | None
    url: str
    event_types: list[str]
    active: bool
    created_by: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> WebhookEndpoint:
        return cls(
            id=row["id"],
            agency_id=row["agency_id"],
            url=row["url"],
            event_types=list(row["event_types"]),
            active=row["active"],
            created_by=row["created_by"],
            created_at=row["created_at"],
        )


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    id: int
    endpoint_id: int
    event_id: int
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> WebhookDelivery:
        return cls(
            id=row["id"],
            endpoint_id=row["endpoint_id"],
            event_id=row["event_id"],
            event_type=row["event_type"],
            status=DeliveryStatus(row["status"]),
            attempts=row["attempts"],
            next_attempt_at=row["next_attempt_at"],
            last_error=public_error(row["last_error"]),
            created_at=row["created_at"],
            delivered_at=row["delivered_at"],
            dead_at=row["dead_at"],
        )


@dataclass(frozen=True, slots=True)
class WebhookAttempt:
    id: int
    delivery_id: int
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int

    @classmethod
    def from_row(cls, row: Any) -> WebhookAttempt:
        return cls(
            id=row["id"],
            delivery_id=row["delivery_id"],
            attempted_at=row["attempted_at"],
            status_code=row["status_code"],
            error=public_error(row["error"]),
            duration_ms=row["duration_ms"],
        )


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A delivery claimed for one attempt, with what is needed to send it."""

    id: int
    event_id: int
    body: dict[str, Any]
    attempts: int  # including this one
    retry_from: datetime
    url: str
    secret: str
