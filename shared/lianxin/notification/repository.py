"""Webhook rows: endpoints, deliveries (claimed with a lease), attempts. Never commits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lianxin.core.db import Connection
from lianxin.core.sql import keyset
from lianxin.notification.models import (
    DeliveryStatus,
    DueDelivery,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

_ENDPOINT = "id, agency_id, url, event_types, active, created_by, created_at"
_DELIVERY = (
    "id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at, last_error, "
    "created_at, delivered_at, dead_at"
)


async def insert_endpoint(
    conn: Connection, agency_id: int | None, url: str, event_types: list[str], secret: str, created_by: str
) -> WebhookEndpoint:
    row = await conn.fetchrow(
        f"""INSERT INTO webhook_endpoint (agency_id, url, event_types, secret, created_by)
            VALUES ($1, $2, $3, $4, $5) RETURNING {_ENDPOINT}""",
        agency_id,
        url,
        event_types,
        secret,
        created_by,
    )
    return WebhookEndpoint.from_row(row)


async def list_endpoints(conn: Connection, agency_id: int | None) -> list[WebhookEndpoint]:
    """Every endpoint (agency_id None), else that agency's."""
    rows = await conn.fetch(
        f"SELECT {_ENDPOINT} FROM webhook_endpoint WHERE $1::bigint IS NULL OR agency_id = $1 ORDER BY id",
        agency_id,
    )
    return [WebhookEndpoint.from_row(r) for r in rows]


async def update_endpoint_active(
    conn: Connection, endpoint_id: int, agency_id: int | None, active: bool
) -> tuple[WebhookEndpoint, bool] | None:
    """Set the endpoint's `active` flag; (endpoint, whether it was active before), or None when it does
    not exist or (agency_id given) belongs to another owner."""
    row = await conn.fetchrow(
        f"""UPDATE webhook_endpoint e SET active = $3
            FROM (SELECT id, active FROM webhook_endpoint WHERE id = $1 FOR UPDATE) prev
            WHERE e.id = prev.id AND ($2::bigint IS NULL OR e.agency_id = $2)
            RETURNING {", ".join("e." + c for c in _ENDPOINT.split(", "))}, prev.active AS was_active""",
        endpoint_id,
        agency_id,
        active,
    )
    return (WebhookEndpoint.from_row(row), row["was_active"]) if row else None


async def restart_pending(conn: Connection, endpoint_id: int) -> int:
    """Pending deliveries of a reactivated endpoint: due now, with a fresh retry window."""
    status = await conn.execute(
        """UPDATE webhook_delivery SET next_attempt_at = now(), retry_from = now(), leased_until = NULL
           WHERE endpoint_id = $1 AND status = 'PENDING'""",
        endpoint_id,
    )
    return int(status.split()[-1])


async def active_endpoints_with_scope(conn: Connection) -> list[tuple[WebhookEndpoint, str | None]]:
    """Active endpoints with their agency's region (None for an administrator's endpoint)."""
    rows = await conn.fetch(
        f"""SELECT {", ".join("e." + c for c in _ENDPOINT.split(", "))}, a.region_code AS agency_region
            FROM webhook_endpoint e LEFT JOIN agency a ON a.id = e.agency_id
            WHERE e.active ORDER BY e.id"""
    )
    return [(WebhookEndpoint.from_row(r), r["agency_region"]) for r in rows]


async def insert_deliveries(conn: Connection, rows: list[tuple[int, int, str, dict[str, Any]]]) -> int:
    """(endpoint id, event id, event type, body) rows; a pair already fanned out is skipped."""
    if not rows:
        return 0
    status = await conn.execute(
        """INSERT INTO webhook_delivery (endpoint_id, event_id, event_type, body)
           SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::jsonb[])
           ON CONFLICT (endpoint_id, event_id) DO NOTHING""",
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
    )
    return int(status.split()[-1])


async def claim_due(conn: Connection, limit: int, lease: timedelta) -> list[DueDelivery]:
    """Lease up to `limit` due deliveries for one attempt each; a killed worker's lease runs out."""
    rows = await conn.fetch(
        """UPDATE webhook_delivery d
           SET leased_until = now() + $2::interval, attempts = d.attempts + 1
           FROM webhook_endpoint e
           WHERE e.id = d.endpoint_id AND d.id IN (
               SELECT id FROM webhook_delivery
               WHERE status = 'PENDING' AND next_attempt_at <= now()
                 AND (leased_until IS NULL OR leased_until < now())
                 -- a deactivated endpoint's deliveries wait, pending, until it is active again
                 AND endpoint_id IN (SELECT id FROM webhook_endpoint WHERE active)
               ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING d.id, d.event_id, d.body, d.attempts, d.retry_from, e.url, e.secret""",
        limit,
        lease,
    )
    return [
        DueDelivery(r["id"], r["event_id"], r["body"], r["attempts"], r["retry_from"], r["url"], r["secret"])
        for r in rows
    ]


Outcome = tuple[int, DeliveryStatus, int | None, str | None, timedelta | None, int]


async def record_outcomes(conn: Connection, outcomes: list[Outcome]) -> None:
    """(delivery id, status, HTTP status, error, retry in, duration ms) of attempts: one attempt row
    each, and the delivery delivered, failed, dead, or pending again after `retry in`."""
    ids = [o[0] for o in outcomes]
    statuses = [o[1].value for o in outcomes]
    codes = [o[2] for o in outcomes]
    errors = [o[3] for o in outcomes]
    await conn.execute(
        """INSERT INTO webhook_attempt (delivery_id, status_code, error, duration_ms)
           SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::int[])""",
        ids,
        codes,
        errors,
        [o[5] for o in outcomes],
    )
    await conn.execute(
        """UPDATE webhook_delivery d SET
               status = o.status, last_error = o.error, leased_until = NULL,
               next_attempt_at = coalesce(now() + o.retry_in, d.next_attempt_at),
               delivered_at = CASE WHEN o.status = 'DELIVERED' THEN now() END,
               dead_at = CASE WHEN o.status IN ('DEAD', 'FAILED') THEN now() END
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::interval[]) AS o(id, status, error, retry_in)
           WHERE d.id = o.id""",
        ids,
        statuses,
        errors,
        [o[4] for o in outcomes],
    )


async def redeliver(conn: Connection, delivery_id: int, agency_id: int | None) -> WebhookDelivery | None:
    """Queue a delivery again now, with a fresh retry window (None if not found / not the agency's)."""
    row = await conn.fetchrow(
        f"""UPDATE webhook_delivery d SET status = 'PENDING', next_attempt_at = now(), retry_from = now(),
                   leased_until = NULL, dead_at = NULL
            FROM webhook_endpoint e
            WHERE d.id = $1 AND e.id = d.endpoint_id AND ($2::bigint IS NULL OR e.agency_id = $2)
            RETURNING {", ".join("d." + c for c in _DELIVERY.split(", "))}""",
        delivery_id,
        agency_id,
    )
    return WebhookDelivery.from_row(row) if row else None


async def list_deliveries(
    conn: Connection,
    agency_id: int | None,
    endpoint_id: int | None,
    status: DeliveryStatus | None,
    after_id: int,
    limit: int,
) -> list[WebhookDelivery]:
    rows = await conn.fetch(
        keyset(f"""SELECT {", ".join("d." + c for c in _DELIVERY.split(", "))}
            FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
            WHERE ($1::bigint IS NULL OR e.agency_id = $1) AND ($2::bigint IS NULL OR d.endpoint_id = $2)
              AND ($3::text IS NULL OR d.status = $3) AND d.id > $4 /*keyset*/
            ORDER BY d.id /*keyset*/ LIMIT $5"""),
        agency_id,
        endpoint_id,
        status.value if status else None,
        after_id,
        limit,
    )
    return [WebhookDelivery.from_row(r) for r in rows]


async def count_deliveries(
    conn: Connection, agency_id: int | None, endpoint_id: int | None, status: DeliveryStatus | None
) -> int:
    total: int = await conn.fetchval(
        """SELECT count(*) FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
           WHERE ($1::bigint IS NULL OR e.agency_id = $1) AND ($2::bigint IS NULL OR d.endpoint_id = $2)
             AND ($3::text IS NULL OR d.status = $3)""",
        agency_id,
        endpoint_id,
        status.value if status else None,
    )
    return total


async def list_attempts_by_delivery_ids(conn: Connection, ids: list[int]) -> list[WebhookAttempt]:
    rows = await conn.fetch(
        """SELECT id, delivery_id, attempted_at, status_code, error, duration_ms
           FROM webhook_attempt WHERE delivery_id = ANY($1) ORDER BY id""",
        ids,
    )
    return [WebhookAttempt.from_row(r) for r in rows]
