"""E-mail over SMTP (aiosmtplib)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from lianxin.notification.channels.errors import PermanentError, TransientError


@dataclass(frozen=True, slots=True)
class SmtpChannel:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    async def send(self, to: str, subject: str, body: str) -> None:
        """Send one plain-text message; 5xx refusals are permanent, everything else transient."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                start_tls=self.starttls,
                username=self.username,
                password=self.password,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc}") from None
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentError(f"SMTP {exc.code}: {exc.message}") from None
            raise TransientError(f"SMTP {exc.code}: {exc.message}") from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TransientError(f"{type(exc).__name__}: {exc}") from None
