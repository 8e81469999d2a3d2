"""Log lines stay writable when a request quotes a lone surrogate (the parser's error echoes it)."""

from __future__ import annotations

import io
import logging

import pytest

from lianxin.core.logs import EncodableMessages, JsonFormatter

pytestmark = pytest.mark.no_db


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("strawberry.execution", logging.ERROR, __file__, 1, message, args, None)


def test_a_lone_surrogate_is_escaped_not_written_raw() -> None:
    record = _record('Syntax Error: "%s"', "\ud800")

    assert EncodableMessages().filter(record) is True

    assert record.getMessage() == 'Syntax Error: "\\ud800"'
    record.getMessage().encode("utf-8")  # would raise UnicodeEncodeError before


def test_the_json_formatter_keeps_chinese_and_escapes_surrogates() -> None:
    line = JsonFormatter().format(_record("困难职工 %s", "\udfff"))

    line.encode("utf-8")
    assert "困难职工" in line
    assert "\\udfff" in line


def test_a_handler_writes_the_line_instead_of_failing() -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    handler = logging.StreamHandler(stream)
    handler.addFilter(EncodableMessages())
    logger = logging.getLogger("lianxin.test.encoding")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.error("bad %s", "\ud800")
    finally:
        logger.removeHandler(handler)
    stream.flush()

    assert stream.buffer.getvalue() == b"bad \\ud800\n"  # type: ignore[attr-defined]
