"""Background job names and the path to the queue — the only arq import outside the worker.

A job is first a row in `job_outbox`, written in the transaction of the change that needs it
(`record_job`). After commit the row's id is enqueued to arq under the job id `outbox:<id>`, so a
second enqueue of the same row (the sweeper's retry) is deduplicated by arq while the first is queued.
A run that failed (e.g. the database restarted under it) leaves the row pending and arq a result under
that id, which makes arq refuse the id for `keep_result`: the sweeper clears such a stale result first.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from arq import create_pool as create_arq_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import result_key_prefix

from lianxin.core.db import Connection, UnitOfWork

log = logging.getLogger(__name__)

QUEUE_NAME = "lianxin:queue"


class Job(StrEnum):
    """Every job the worker runs; a test checks each has a registered task."""

    RECOUNT_UNION = "recount_union"
    HOUSEHOLD_CHANGED = "household_changed"
    RUN_ELIGIBILITY = "run_eligibility"
    SIMULATE_POLICY = "simulate_policy"
    SWEEP_OUTBOX = "sweep_outbox"
    DISPATCH_WEBHOOKS = "dispatch_webhooks"
    SEND_EMAILS = "send_emails"
    PURGE_EVENTS = "purge_events"
    PAY_AID_BATCH = "pay_aid_batch"
    SCAN_REMINDERS = "scan_reminders"


def outbox_job_id(outbox_id: int) -> str:
    return f"outbox:{outbox_id}"


def redis_settings(url: str) -> RedisSettings:
    settings: RedisSettings = RedisSettings.from_dsn(url)
    settings.conn_timeout = 2
    settings.conn_retries = 1
    return settings


async def record_job(uow: UnitOfWork, job: Job, args: dict[str, Any]) -> int:
    """Write the job into the outbox as part of the caller's transaction."""
    outbox_id: int = await uow.conn.fetchval(
        "INSERT INTO job_outbox (job, args) VALUES ($1, $2) RETURNING id", job.value, args
    )
    uow.jobs.append((outbox_id, job.value))
    return outbox_id


async def pending_outbox(conn: Connection, *, older_than_seconds: float, limit: int) -> list[tuple[int, str]]:
    rows = await conn.fetch(
        """SELECT id, job FROM job_outbox
           WHERE done_at IS NULL AND created_at < now() - make_interval(secs => $1)
           ORDER BY id LIMIT $2""",
        older_than_seconds,
        limit,
    )
    return [(r["id"], r["job"]) for r in rows]


class JobQueue:
    """Enqueues outbox rows to arq. Failures are logged, not raised: the sweeper catches up."""

    def __init__(self, redis: ArqRedis) -> None:
        self.redis = redis

    @classmethod
    async def connect(cls, url: str) -> JobQueue:
        redis: ArqRedis = await create_arq_pool(redis_settings(url), default_queue_name=QUEUE_NAME)
        return cls(redis)

    async def enqueue(self, job: str, outbox_id: int) -> bool:
        result = await self.redis.enqueue_job(job, outbox_id, _job_id=outbox_job_id(outbox_id))
        return result is not None

    async def dispatch_jobs(self, jobs: list[tuple[int, str]], *, replace_results: bool = False) -> int:
        """Enqueue outbox rows; `replace_results` (the sweeper's rows, still pending) first drops what
        arq keeps of an earlier run of the same id: a failed run, or one that skipped a row another
        worker held and then lost. A row done meanwhile is claimed as done and skipped (harmless)."""
        sent = 0
        for outbox_id, job in jobs:
            try:
                if replace_results:
                    await self.redis.delete(result_key_prefix + outbox_job_id(outbox_id))
                sent += await self.enqueue(job, outbox_id)
            except Exception:  # Redis down: the row stays pending and the sweeper retries it
                log.warning("could not enqueue outbox job %s (%s); left for the sweeper", outbox_id, job)
                return sent
        return sent

    async def ping(self) -> bool:
        return bool(await self.redis.ping())

    async def close(self) -> None:
        await self.redis.aclose()


async def claim_outbox_job(conn: Connection, outbox_id: int) -> dict[str, Any] | None:
    """Lock a pending outbox row inside the caller's transaction; None if done or held elsewhere.

    The job's work and `complete_outbox_job` then commit together, so a killed worker leaves the row
    pending (to be retried) and a duplicate delivery finds it done (and does nothing).
    """
    row = await conn.fetchrow(
        "SELECT args FROM job_outbox WHERE id = $1 AND done_at IS NULL FOR UPDATE SKIP LOCKED", outbox_id
    )
    if row is None:
        return None
    args: dict[str, Any] = row["args"]
    return args


async def complete_outbox_job(conn: Connection, outbox_id: int) -> None:
    await conn.execute(
        "UPDATE job_outbox SET done_at = now(), attempts = attempts + 1 WHERE id = $1", outbox_id
    )
