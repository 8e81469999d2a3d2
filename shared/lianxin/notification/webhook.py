"""Webhooks for partner agencies: endpoints, fan-out from the event log, signed delivery with retries.

Deliveries are rows first (Saleor's pattern): a fan-out pass reads the event log with the
commit-safe reader, under its own saved position, and writes one `webhook_delivery` per matching
(endpoint, event) pair (unique, so a second pass or a second worker adds nothing). Sending leases
due rows, posts them and records each attempt; a worker killed mid-post leaves a lease that runs
out, and the delivery is sent again: receivers de-duplicate by `Lianxin-Event-Id`.

A URL may name only a public http(s) target, checked at registration and again before each send
against what its host resolves to then, and posted to the address that was checked (`target.py`).
What is stored of a failed attempt is its status and timing (`HTTP 500 after 12 ms`), never the
receiver's answer: an endpoint's owner must not be able to read a server through it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from lianxin.core.db import Connection, Pool, UnitOfWork
from lianxin.core.errors import IssueCollector, NotFound
from lianxin.core.ids import to_global_id
from lianxin.events.reader import (
    START,
    StoredEvent,
    load_reader_position,
    read_events,
    save_reader_position,
)
from lianxin.events.visibility import agency_may_see, matches_types
from lianxin.notification import repository as repo
from lianxin.notification.channels.errors import PermanentError, TransientError
from lianxin.notification.channels.webhook import new_secret, post_webhook
from lianxin.notification.models import DeliveryStatus, DueDelivery, WebhookEndpoint
from lianxin.notification.retry import RetrySchedule
from lianxin.notification.target import (
    LookupFailed,
    PinnedTarget,
    Resolver,
    TargetRefused,
    check_new_target,
    parse_target,
    resolve_target,
)

log = logging.getLogger(__name__)

READER = "webhooks"
FAN_OUT_LOCK = 0x57454248  # "WEBH": one fan-out pass at a time across workers
MAX_TYPES = 50
TARGET_REFUSED = "target address not allowed"


@dataclass(frozen=True, slots=True)
class NewEndpoint:
    url: str
    event_types: list[str]
    agency_id: int | None
    created_by: str


async def create_endpoint(
    uow: UnitOfWork, new: NewEndpoint, *, allow_private: bool = False, resolver: Resolver | None = None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret, which is shown only this once.
    The URL must be a public http(s) target (`target.py`) unless `allow_private` (development)."""
    issues = IssueCollector()
    try:
        await check_new_target(new.url, allow_private=allow_private, resolver=resolver)
    except TargetRefused as exc:
        issues.add(exc.code, exc.message, ["url"])
    types = sorted({t.strip() for t in new.event_types if t.strip()})
    if len(types) > MAX_TYPES:
        issues.add("TOO_MANY_TYPES", f"at most {MAX_TYPES} event types", ["eventTypes"])
    if new.agency_id is not None and not await uow.conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM agency WHERE id = $1)", new.agency_id
    ):
        issues.add("NOT_FOUND", "the agency does not exist", ["agencyId"])
    issues.raise_if_any()
    secret = new_secret()
    endpoint = await repo.insert_endpoint(uow.conn, new.agency_id, new.url, types, secret, new.created_by)
    return endpoint, secret


async def set_endpoint_active(
    uow: UnitOfWork, endpoint_id: int, agency_id: int | None, active: bool
) -> WebhookEndpoint:
    """Deactivate or reactivate an endpoint (an agency only its own). While inactive it gets no new
    deliveries (fan-out skips it: events of that time are never sent to it) and its pending ones wait;
    reactivated, those are due at once with a fresh retry window."""
    found = await repo.update_endpoint_active(uow.conn, endpoint_id, agency_id, active)
    if found is None:
        raise NotFound.single("NOT_FOUND", "the webhook endpoint does not exist", ["id"])
    endpoint, was_active = found
    if active and not was_active:
        await repo.restart_pending(uow.conn, endpoint.id)
    return endpoint


def event_document(event: StoredEvent) -> dict[str, Any]:
    """The posted body: the same fields as the GraphQL `Event`, and `sequence`: the event's place in
    the log as a string that sorts (plain string comparison) as the events happened, since deliveries
    may arrive out of order and the `cursor` is opaque (it resumes `events(after:)`, it does not sort)."""
    return {
        "id": to_global_id("Event", event.id),
        "cursor": event.cursor,
        "sequence": f"{event.txid:020d}.{event.id:020d}",
        "type": event.type,
        "occurredAt": event.occurred_at.astimezone(UTC).isoformat(),
        "subjectId": event.subject_id,
        "payload": event.payload,
    }


def _wants(endpoint: WebhookEndpoint, agency_region: str | None, event: StoredEvent) -> bool:
    if event.occurred_at < endpoint.created_at or not matches_types(endpoint.event_types, event):
        return False
    return endpoint.agency_id is None or agency_may_see(agency_region, endpoint.agency_id, event)


async def fan_out(conn: Connection, *, limit: int = 500) -> int:
    """One pass: turn the events after the saved position into deliveries; returns events read
    (0 when caught up, or while another worker holds the pass)."""
    async with conn.transaction():
        # an advisory lock takes no transaction id, so the reader's horizon is not held back by it
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", FAN_OUT_LOCK):
            return 0
        position = await load_reader_position(conn, READER) or START
        events = await read_events(conn, position, limit=limit)
        if not events:
            return 0
        endpoints = await repo.active_endpoints_with_scope(conn)
        rows = [
            (endpoint.id, event.id, event.type, event_document(event))
            for event in events
            for endpoint, region in endpoints
            if _wants(endpoint, region, event)
        ]
        await repo.insert_deliveries(conn, rows)
        await save_reader_position(conn, READER, events[-1].position)
    return len(events)


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery_id: int
    status: DeliveryStatus
    status_code: int | None
    error: str | None
    retry_in: timedelta | None
    duration_ms: int


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    """Where sends may go: public addresses only unless `allow_private` (development); `resolver`
    replaces the system's getaddrinfo (tests)."""

    allow_private: bool = False
    resolver: Resolver | None = None
    lookup_timeout: float = 10.0


async def _pin(due: DueDelivery, policy: TargetPolicy) -> PinnedTarget:
    """The checked address to post to, resolved now (the name may point elsewhere since creation)."""
    try:
        target = parse_target(due.url, allow_private=policy.allow_private)
        async with asyncio.timeout(policy.lookup_timeout):
            return await resolve_target(target, allow_private=policy.allow_private, resolver=policy.resolver)
    except TargetRefused:
        log.warning("webhook delivery %s refused: target address not allowed", due.id)
        raise PermanentError(TARGET_REFUSED) from None
    except (LookupFailed, TimeoutError):
        raise TransientError("name lookup failed") from None


async def _attempt(
    client: httpx.AsyncClient, due: DueDelivery, schedule: RetrySchedule, policy: TargetPolicy
) -> Outcome:
    started = time.monotonic()
    code: int | None = None
    error: str | None = None
    status = DeliveryStatus.DELIVERED
    retry_in: timedelta | None = None
    try:
        target = await _pin(due, policy)
        code = await post_webhook(client, target, due.secret, to_global_id("Event", due.event_id), due.body)
    except PermanentError as exc:
        error, code = str(exc), exc.status_code
        # a refused target is dead-lettered at once: no retry can make the address allowed
        status = DeliveryStatus.DEAD if error == TARGET_REFUSED else DeliveryStatus.FAILED
    except TransientError as exc:
        error, code = str(exc), exc.status_code
        retry_in = schedule.next_retry(due.attempts, datetime.now(UTC) - due.retry_from)
        status = DeliveryStatus.DEAD if retry_in is None else DeliveryStatus.PENDING
    elapsed = int((time.monotonic() - started) * 1000)
    if error is not None and error != TARGET_REFUSED:
        error = f"{error} after {elapsed} ms"  # status and timing only: never the receiver's text
    return Outcome(due.id, status, code, error, retry_in, elapsed)


async def deliver_due(
    pool: Pool,
    client: httpx.AsyncClient,
    schedule: RetrySchedule,
    *,
    limit: int = 200,
    concurrency: int = 8,
    lease: timedelta = timedelta(minutes=2),
    policy: TargetPolicy | None = None,
) -> dict[DeliveryStatus, int]:
    """Send every due delivery (up to `limit`), `concurrency` at a time; counts by outcome.

    The batch's attempts are recorded together in one transaction afterwards; a worker killed
    before that leaves leases that run out, and those deliveries are sent again (at least once).
    """
    async with pool.acquire() as conn:
        due = await repo.claim_due(conn, limit, lease)
    if not due:
        return {}
    gate = asyncio.Semaphore(concurrency)

    async def one(item: DueDelivery) -> Outcome:
        async with gate:
            return await _attempt(client, item, schedule, policy or TargetPolicy())

    outcomes = await asyncio.gather(*(one(d) for d in due))
    async with pool.acquire() as conn, conn.transaction():
        await repo.record_outcomes(
            conn,
            [(o.delivery_id, o.status, o.status_code, o.error, o.retry_in, o.duration_ms) for o in outcomes],
        )
    counts: dict[DeliveryStatus, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts
