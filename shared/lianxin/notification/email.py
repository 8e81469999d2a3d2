"""E-mail to a household's contact person (联系人) when its decision or referral changes.

Like webhooks, e-mails are rows first: a pass over the event log (its own saved position) writes
one `email_notification` per event and recipient (unique), and sending works through due rows, so
two workers, a retry or a restart never send the same notice twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from lianxin.core.db import Connection, Pool
from lianxin.core.ids import parse_global_id
from lianxin.events.reader import START, StoredEvent, load_reader_position, read_events, save_reader_position
from lianxin.notification.channels.errors import PermanentError, TransientError
from lianxin.notification.retry import RetrySchedule

log = logging.getLogger(__name__)

READER = "emails"
FAN_OUT_LOCK = 0x454D4C  # "EML"
NOTIFIED_TYPES = ("eligibility.decided", "referral.created", "referral.updated")
OUTCOME_TEXT = {
    "DIBAO": "符合低保条件 (eligible for dibao)",
    "EXPENDITURE_TYPE": "符合支出型困难条件 (expenditure-type hardship)",
    "SINGLE_PERSON": "符合单人户保障条件 (single-person coverage)",
    "MARGINAL": "低保边缘家庭 (marginal: near the dibao line, no benefit)",
    "RIGID_EXPENDITURE": "刚性支出困难家庭 (rigid-expenditure hardship, no benefit)",
    "NOT_ELIGIBLE": "不符合条件 (not eligible)",
    "INSUFFICIENT_DATA": "资料不全 (insufficient data)",
}


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None: ...


def compose(event: StoredEvent, archive_no: str) -> tuple[str, str]:
    """Subject and plain-text body of the notice for one event."""
    payload: dict[str, Any] = event.payload
    if event.type == "eligibility.decided":
        outcome = str(payload.get("outcome"))
        subject = f"[连心] 家庭 {archive_no} 资格匹配结果：{outcome}"
        lines = [f"档案号 {archive_no} 的资格匹配结果已更新：{OUTCOME_TEXT.get(outcome, outcome)}。"]
    else:
        status = str(payload.get("status"))
        subject = f"[连心] 家庭 {archive_no} 转介民政：{status}"
        lines = [f"档案号 {archive_no} 的民政转介状态：{status}。"]
        if payload.get("reason"):
            lines.append(f"原因：{payload['reason']}")
    lines += ["", f"事件 {event.type}，时间 {event.occurred_at.astimezone(UTC).isoformat()}。"]
    return subject, "\n".join(lines) + "\n"


async def fan_out_emails(conn: Connection, *, limit: int = 500) -> int:
    """One pass over the log: a notice row per notified event whose household has a contact e-mail."""
    async with conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", FAN_OUT_LOCK):
            return 0
        position = await load_reader_position(conn, READER) or START
        events = await read_events(conn, position, limit=limit)
        if not events:
            return 0
        wanted = {}
        for event in events:
            parsed = parse_global_id(event.subject_id)
            if event.type in NOTIFIED_TYPES and parsed is not None and parsed[0] == "Household":
                wanted[event.id] = (event, parsed[1])
        contacts = {
            r["household_id"]: (r["email"], r["archive_no"])
            for r in await conn.fetch(
                """SELECT c.household_id, c.email, h.archive_no FROM household_contact_email c
                   JOIN household h ON h.id = c.household_id WHERE c.household_id = ANY($1)""",
                sorted({hid for _, hid in wanted.values()}),
            )
        }
        written = 0
        for event, household_id in wanted.values():
            contact = contacts.get(household_id)
            if contact is None:
                continue
            subject, body = compose(event, contact[1])
            status = await conn.execute(
                """INSERT INTO email_notification (event_id, recipient, subject, body)
                   VALUES ($1, $2, $3, $4) ON CONFLICT (event_id, recipient) DO NOTHING""",
                event.id,
                contact[0],
                subject,
                body,
            )
            written += int(status.split()[-1])
        await save_reader_position(conn, READER, events[-1].position)
    return written


async def send_due_emails(
    pool: Pool,
    mailer: Mailer,
    schedule: RetrySchedule,
    *,
    limit: int = 50,
    lease: timedelta = timedelta(minutes=2),
) -> int:
    """Send due notices (leased so that two workers never send one twice at once); returns sent."""
    async with pool.acquire() as conn:
        due = await conn.fetch(
            """UPDATE email_notification SET attempts = attempts + 1, next_attempt_at = now() + $2::interval
               WHERE id IN (SELECT id FROM email_notification
                            WHERE status = 'PENDING' AND next_attempt_at <= now()
                            ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
               RETURNING id, recipient, subject, body, attempts, event_id""",
            limit,
            lease,
        )
    sent = 0
    for row in due:
        status, error, retry_in = "SENT", None, None
        try:
            await mailer.send(row["recipient"], row["subject"], row["body"])
            sent += 1
        except PermanentError as exc:
            status, error = "DEAD", str(exc)
        except TransientError as exc:
            error = str(exc)
            retry_in = schedule.next_retry(row["attempts"], timedelta(0))
            status = "PENDING" if retry_in is not None else "DEAD"
        async with pool.acquire() as conn:
            await conn.execute(
                """UPDATE email_notification SET status = $2, last_error = $3,
                       sent_at = CASE WHEN $2 = 'SENT' THEN now() END,
                       next_attempt_at = CASE WHEN $4::interval IS NULL THEN next_attempt_at
                                              ELSE now() + $4 END
                   WHERE id = $1""",
                row["id"],
                status,
                error,
                retry_in,
            )
    return sent


async def set_contact_email(conn: Connection, household_id: int, email: str | None) -> None:
    """Set (or with None, remove) the contact person's e-mail address of a household."""
    if email is None:
        await conn.execute("DELETE FROM household_contact_email WHERE household_id = $1", household_id)
        return
    await conn.execute(
        """INSERT INTO household_contact_email (household_id, email) VALUES ($1, $2)
           ON CONFLICT (household_id) DO UPDATE SET email = excluded.email, updated_at = $3""",
        household_id,
        email,
        datetime.now(UTC),
    )
