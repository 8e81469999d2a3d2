"""Structured (JSON-lines) logs with the current request id attached to every record."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def encodable(text: str) -> str:
    """`text` with lone surrogates (which no UTF-8 stream can carry) written as `\\udXXX` escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class EncodableMessages(logging.Filter):
    """Rewrites a record's message so it can be written as UTF-8: a request can carry a lone surrogate
    (refused as bad input, but quoted by the parser's error), and one unwritable log line must not
    break a handler (or a test run's report)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = encodable(message)
        if safe != message:
            record.msg, record.args = safe, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return encodable(json.dumps(entry, ensure_ascii=False, default=str))


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(EncodableMessages())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True  # our middleware logs requests with their id
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # its start-up chatter buries the banner
