"""What a channel's `send` raises: retry later, or never.

The message is ours, short and fixed (`HTTP 500`, `ConnectTimeout`, `SMTP 550: ...` from our own
relay): it is stored and shown to the endpoint's owner, so a webhook receiver's text never goes in it.
"""

from __future__ import annotations


class ChannelError(Exception):
    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class TransientError(ChannelError):
    """The receiver may accept it later (timeout, 5xx, 408, 429, connection refused)."""


class PermanentError(ChannelError):
    """Sending again cannot help (a 3xx or a 4xx other than 408/429, a refused recipient or target)."""
