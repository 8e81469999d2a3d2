"""Partner-agency updates: webhook fan-out and delivery, contact-person e-mail, event retention.

These run from arq cron (every second for webhooks, every few seconds for e-mail): each pass reads
the event log from its own saved position, so a pass that never ran (Redis down, worker killed)
is simply caught up by the next one.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import timedelta
from typing import Any, cast

import httpx
from arq import cron
from arq.cron import CronJob

from lianxin.core.jobs import Job
from lianxin.events.reader import purge_events
from lianxin.notification import email, webhook
from lianxin.notification.channels.email import SmtpChannel
from lianxin.notification.retry import RetrySchedule
from lianxin_worker.context import WorkerContext

SEND_BATCH = 200
SEND_BUDGET_SECONDS = 20.0


async def dispatch_webhooks(ctx: WorkerContext) -> str:
    """Fan new events out to endpoints, then post every due delivery."""
    settings = ctx["settings"]
    async with ctx["pool"].acquire() as conn:
        fanned = 0
        while (read := await webhook.fan_out(conn)) > 0:
            fanned += read
    counts: Counter[str] = Counter()
    deadline = time.monotonic() + SEND_BUDGET_SECONDS
    # never follows redirects (a 3xx would lead past the target check); every send checks its target
    async with httpx.AsyncClient(timeout=settings.webhook_timeout, follow_redirects=False) as client:
        while True:  # batch after batch while there is a backlog, within the tick's budget
            sent = await webhook.deliver_due(
                ctx["pool"],
                client,
                RetrySchedule.hours(settings.webhook_retry_hours),
                limit=SEND_BATCH,
                # a POST cannot outlast its timeout: after this the worker holding it is presumed dead
                lease=timedelta(seconds=settings.webhook_timeout * 3),
                policy=webhook.TargetPolicy(
                    allow_private=settings.webhook_allow_private_targets,
                    lookup_timeout=settings.webhook_timeout,
                ),
            )
            counts.update({status.value: n for status, n in sent.items()})
            if sum(sent.values()) < SEND_BATCH or time.monotonic() > deadline:
                break
    return f"{fanned} events fanned out, sent: {dict(sorted(counts.items()))}"


async def send_emails(ctx: WorkerContext) -> str:
    """Write notices for new decisions and referral changes, then send those due (if SMTP is set)."""
    settings = ctx["settings"]
    async with ctx["pool"].acquire() as conn:
        written = await email.fan_out_emails(conn)
    if not settings.smtp_host:
        return f"{written} notices written; LIANXIN_SMTP_HOST unset, none sent"
    mailer = SmtpChannel(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_from,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password,
    )
    sent = await email.send_due_emails(ctx["pool"], mailer, RetrySchedule.hours(settings.webhook_retry_hours))
    return f"{written} notices written, {sent} sent"


async def purge_old_events(ctx: WorkerContext) -> str:
    """Retention: drop events older than LIANXIN_EVENT_RETENTION_DAYS."""
    async with ctx["pool"].acquire() as conn:
        deleted = await purge_events(conn, timedelta(days=ctx["settings"].event_retention_days))
    return f"{deleted} events purged"


class QuietTicks(logging.Filter):
    """arq logs every job's start and end: for ticks every second that would be most of the log.
    Keep only the ends of ticks that did something."""

    TICKS = ("cron:" + Job.DISPATCH_WEBHOOKS.value, "cron:" + Job.SEND_EMAILS.value)
    IDLE = ("'0 events fanned out, sent: {}'", "'0 notices written")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not any(tick in message for tick in self.TICKS):
            return True
        return "←" in message and not any(idle in message for idle in self.IDLE)


_QUIET = QuietTicks()


def notification_crons() -> list[CronJob]:
    """Webhooks every second, e-mail every five seconds, retention nightly (arq cron, unique per tick)."""
    worker_log = logging.getLogger("arq.worker")
    if _QUIET not in worker_log.filters:
        worker_log.addFilter(_QUIET)
    return [
        cron(
            cast(Any, dispatch_webhooks),
            name="cron:" + Job.DISPATCH_WEBHOOKS.value,
            second=set(range(60)),
            keep_result=60,
            # no longer timeout: arq keeps *every* job's in-progress key for the longest timeout
        ),
        cron(
            cast(Any, send_emails),
            name="cron:" + Job.SEND_EMAILS.value,
            second=set(range(0, 60, 5)),
            keep_result=60,
        ),
        cron(cast(Any, purge_old_events), name="cron:" + Job.PURGE_EVENTS.value, hour=3, minute=17),
    ]
