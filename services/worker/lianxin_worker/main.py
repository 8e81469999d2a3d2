"""WorkerSettings — every worker setting lives here."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any, cast

from arq import cron, func
from arq.worker import Worker, check_health

from lianxin.core.config import Settings
from lianxin.core.db import create_pool, unit_of_work
from lianxin.core.jobs import QUEUE_NAME, Job, JobQueue, redis_settings
from lianxin.matching.service import request_rules_upgrade
from lianxin_worker.context import WorkerContext
from lianxin_worker.tasks.household import household_changed
from lianxin_worker.tasks.notification import (
    dispatch_webhooks,
    notification_crons,
    purge_old_events,
    send_emails,
)
from lianxin_worker.tasks.outbox import sweep_outbox
from lianxin_worker.tasks.reminder import reminder_crons, scan_reminders
from lianxin_worker.tasks.runs import pay_aid_batch, run_eligibility, simulate_policy
from lianxin_worker.tasks.trade_union import recount_union

log = logging.getLogger(__name__)

TASKS = {
    Job.RECOUNT_UNION: recount_union,
    Job.HOUSEHOLD_CHANGED: household_changed,
    Job.RUN_ELIGIBILITY: run_eligibility,
    Job.SIMULATE_POLICY: simulate_policy,
    Job.SWEEP_OUTBOX: sweep_outbox,
    Job.DISPATCH_WEBHOOKS: dispatch_webhooks,
    Job.SEND_EMAILS: send_emails,
    Job.PURGE_EVENTS: purge_old_events,
    Job.PAY_AID_BATCH: pay_aid_batch,
    Job.SCAN_REMINDERS: scan_reminders,
}


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    ctx["pool"] = await create_pool(settings.require_database_url(), max_size=settings.db_pool_max)
    # A new RULES.md version re-decides every household once (idempotent: not again on the next start).
    queue = JobQueue(ctx["redis"]) if ctx.get("redis") is not None else None
    async with unit_of_work(ctx["pool"], queue) as uow:
        await request_rules_upgrade(uow)
    log.info("worker started")


async def shutdown(ctx: dict[str, Any]) -> None:
    pool = ctx.get("pool")
    if pool is not None:
        await pool.close()


def worker_settings(settings: Settings, *, burst: bool = False) -> dict[str, Any]:
    """Keyword arguments for arq's `Worker`: functions, cron, queue, retries, health checks."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        await startup(ctx)

    return {
        # arq types its ctx as a plain dict; ours is a TypedDict of the same keys
        "functions": [func(cast(Any, task), name=job.value) for job, task in TASKS.items()],
        "cron_jobs": [
            cron(
                cast(Any, sweep_outbox),
                name="cron:" + Job.SWEEP_OUTBOX.value,
                second={0, 15, 30, 45},
                run_at_startup=True,
            ),
            # webhooks every second, e-mail, retention, reminders hourly; not in burst mode (it would
            # never drain)
            *([] if burst else [*notification_crons(), *reminder_crons()]),
        ],
        "redis_settings": redis_settings(settings.require_redis_url()),
        "queue_name": QUEUE_NAME,
        "on_startup": on_startup,
        "on_shutdown": shutdown,
        "max_tries": 8,
        "job_timeout": settings.job_timeout,
        "keep_result": 3600,
        "health_check_interval": 10,
        "poll_delay": 0.1,  # a household change should be decided well within a second
        "health_check_key": QUEUE_NAME + ":health-check",
        "burst": burst,
        "handle_signals": not burst,
    }


class LianxinWorker(Worker):
    """arq's worker, with a stop that is clean while a job is running.

    On SIGTERM arq cancels the running jobs, then `close` gathers them and re-raises their
    `CancelledError`, so a worker stopped mid-job exited 1 and skipped its shutdown (pools left
    open, health key left behind). A job cut short is retried by the next worker (every job is
    idempotent), so waiting for the cancelled tasks and carrying on is the right ending.
    """

    async def close(self) -> None:
        if not self._handle_signals:  # no signal came: stop the jobs as arq's own close would
            self.handle_sig(signal.SIGUSR1)
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        self.tasks.clear()
        await super().close()


def run(settings: Settings) -> None:
    settings.check_serving()  # production: no start without its secrets (ConfigError, one line)
    LianxinWorker(**worker_settings(settings)).run()


def health(settings: Settings) -> int:
    """0 when a worker reported healthy recently (arq's health check), else 1."""
    result: int = check_health(worker_settings(settings))
    return result


__all__ = ["TASKS", "LianxinWorker", "WorkerContext", "health", "run", "worker_settings"]
