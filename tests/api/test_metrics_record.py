"""The request metrics are recorded without prometheus_client's per-call checks (metrics.py `_Record`)
and request ids are made without a UUID object (`new_request_id`): both give exactly what the public
API gives."""

from __future__ import annotations

import math
import uuid

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from lianxin_api.metrics import _Record, new_request_id

pytestmark = pytest.mark.no_db


def _pair(registry: CollectorRegistry) -> tuple[Counter, Histogram]:
    return (
        Counter("t_requests_total", "HTTP requests", ["method", "path", "status"], registry=registry),
        Histogram("t_request_seconds", "HTTP request latency", ["method", "path"], registry=registry),
    )


def _exposed(registry: CollectorRegistry) -> list[str]:
    return [line for line in generate_latest(registry).decode().splitlines() if "_created" not in line]


def test_record_counts_and_observes_as_the_public_methods() -> None:
    public, direct = CollectorRegistry(), CollectorRegistry()
    (requests_a, latency_a), (requests_b, latency_b) = _pair(public), _pair(direct)
    samples = [0.0, 0.001, 0.005, 0.0050001, 0.07, 0.1, 0.3, 2.5, 9.99, 10.0, 11.0, 1e9, -1.0, math.inf]
    for elapsed in samples:
        requests_a.labels("POST", "/graphql", "200").inc()
        latency_a.labels("POST", "/graphql").observe(elapsed)
        _Record(requests_b.labels("POST", "/graphql", "200"), latency_b.labels("POST", "/graphql"))(elapsed)
    assert _exposed(public) == _exposed(direct)
    assert any("t_request_seconds_bucket" in line for line in _exposed(direct))


def test_request_ids_are_uuid4_hex() -> None:
    seen = set()
    for _ in range(2000):
        made = new_request_id()
        parsed = uuid.UUID(hex=made)
        assert (parsed.version, parsed.variant, parsed.hex) == (4, uuid.RFC_4122, made)
        seen.add(made)
    assert len(seen) == 2000
