"""Issue 11, server-side request forgery through webhooks: an agency registered URLs that pointed at
loopback (in several notations), private ranges, the cloud metadata address, `0.0.0.0`, URLs with
credentials or control characters; the worker posted there and the target's answer came back in
`lastError`. Now such targets are refused when registered and again when sent (against what the
name resolves to then, connecting to the address checked), and only status and timing are stored.
The API here runs with the default settings: LIANXIN_WEBHOOK_ALLOW_PRIVATE_TARGETS off."""

from __future__ import annotations

import asyncio
import re
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from gqlws import free_port, serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lianxin.core.db import Pool, unit_of_work
from lianxin.core.errors import DomainError
from lianxin.core.tokens import Role
from lianxin.notification import webhook
from lianxin.notification.models import DeliveryStatus
from lianxin.notification.retry import RetrySchedule
from lianxin.notification.target import TargetRefused, check_new_target

from conftest import make_token

CREATE = """mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
  endpoint { id } secret errors { code field message } } }"""
DELIVERIES = """{ webhookDeliveries { edges { node { status attemptCount lastError attempts { statusCode error } } } } }"""
PUBLIC = "93.184.215.14"  # any global address: nothing is ever sent to it here
FAST = RetrySchedule(base=timedelta(milliseconds=10), cap=timedelta(milliseconds=20))

REFUSED = [
    # loopback, in every notation the system resolver accepts
    "http://127.0.0.1/hook",
    "http://127.0.0.1:8000/graphql",
    "http://127.1/",
    "http://127.0.1/",
    "http://0x7f000001/",
    "http://0x7f.0.0.1/",
    "http://0x7f.1/",
    "http://2130706433/",
    "http://017700000001/",
    "http://127.0.0.1./",
    "http://127.255.255.254/",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]:8000/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[2002:7f00:1::]/",
    "http://localhost/",
    "http://localhost./",
    "http://LOCALHOST:8000/",
    "http://api.localhost/",
    # private, shared (CGNAT), unique local
    "http://10.0.0.1/",
    "http://10.255.255.255/",
    "http://172.16.0.1/",
    "http://172.31.255.1/",
    "http://192.168.1.1/",
    "https://192.168.0.10:8443/hook",
    "http://100.64.0.1/",
    "http://100.127.255.254/",
    "http://[fc00::1]/",
    "http://[fd12:3456:789a::1]/",
    "http://[::ffff:10.0.0.1]/",
    # link-local and cloud metadata
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254.",
    "http://0xa9fea9fe/",
    "http://2852039166/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[::ffff:169.254.169.254]/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata/",
    # unspecified, multicast, broadcast, reserved and special-purpose
    "http://0.0.0.0/",
    "http://0/",
    "http://0.0.0.0:8000/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://[ff02::1]/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://192.0.0.8/",
    "http://198.18.0.1/",
    "http://[2001:db8::1]/",
    # single-label and local names (containers' services, the LAN)
    "http://redis:6379/",
    "http://postgres/",
    "http://printer.local/",
    "http://router.home.arpa/",
    # credentials
    "http://user:pass@example.com/",
    "https://user@example.com/",
    "http://example.com@127.0.0.1/",
    "http://example.com:80@127.0.0.1/",
    "https://:secret@example.com/",
]
MALFORMED = [
    "ftp://example.com/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "dict://127.0.0.1:11211/",
    "javascript:alert(1)",
    "//example.com/hook",
    "example.com/hook",
    "http:///hook",
    "http://",
    "",
    "http://example.com/\n",
    "http://example.com/hook\r\nX-Injected: 1",
    " http://example.com/",
    "http://example.com /",
    "http://exa mple.com/",
    "http://example.com\t/",
    "http://example.com/\x7f",
    "http://example.com\\@127.0.0.1/",
    "http://例子.com/",
    "http://0177.0.0.1/",  # octal in dotted-quad form: the HTTP client itself cannot parse it
    "http://example.com:0/",
    "http://example.com:99999/",
    "http://example.com/" + "a" * 2000,
]


@pytest.fixture
async def agency(gql: Any) -> str:
    created = await gql(
        'mutation { createAgency(input: {name: "环翠区民政局", regionCode: "371002"}) { agency { id } } }'
    )
    from lianxin.core.ids import parse_global_id

    parsed = parse_global_id(created["createAgency"]["agency"]["id"])
    assert parsed is not None
    return make_token(Role.CIVIL_AFFAIRS, region_code="371002", agency_id=parsed[1])


async def _endpoints(pool: Pool) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM webhook_endpoint")
    return count


async def _audited(pool: Pool) -> list[list[str]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT outcome FROM audit_entry WHERE operation = 'createWebhookEndpoint' ORDER BY id"
        )
    return [list(r["outcome"]) for r in rows]


@pytest.mark.no_db
@pytest.mark.parametrize("url", REFUSED)
async def test_each_non_public_target_is_refused(url: str) -> None:
    with pytest.raises(TargetRefused) as refused:
        await check_new_target(url, allow_private=False, resolver=resolving(PUBLIC))
    assert refused.value.code == "WEBHOOK_URL_NOT_ALLOWED"


@pytest.mark.no_db
@pytest.mark.parametrize("url", [*MALFORMED, "http://example.com/\x00", "http://example.com/\u2028"])
async def test_each_malformed_url_or_other_scheme_is_refused(url: str) -> None:
    with pytest.raises(TargetRefused) as refused:
        await check_new_target(url, allow_private=False, resolver=resolving(PUBLIC))
    assert refused.value.code == "INVALID_URL"


async def test_an_agency_registers_none_of_them_and_each_refusal_is_audited(
    gql: Any, pool: Pool, agency: str
) -> None:
    expected = [("WEBHOOK_URL_NOT_ALLOWED", url) for url in REFUSED] + [("INVALID_URL", u) for u in MALFORMED]
    for code, url in expected:
        result = (await gql(CREATE, {"input": {"url": url}}, token=agency))["createWebhookEndpoint"]
        assert (result["endpoint"], result["secret"]) == (None, None), url
        assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, ["url"])], url
    assert await _endpoints(pool) == 0
    assert await _audited(pool) == [[code] for code, _ in expected]


async def test_the_administrator_is_refused_too_and_public_addresses_are_accepted(
    gql: Any, pool: Pool, agency: str
) -> None:
    refused = (await gql(CREATE, {"input": {"url": "http://169.254.169.254/"}}))["createWebhookEndpoint"]
    assert refused["errors"][0]["code"] == "WEBHOOK_URL_NOT_ALLOWED"
    assert "link-local" in refused["errors"][0]["message"]
    for url in (f"https://{PUBLIC}/hook", "http://[2606:4700:4700::1111]:8443/x", "http://8.8.8.8/"):
        ok = (await gql(CREATE, {"input": {"url": url}}, token=agency))["createWebhookEndpoint"]
        assert ok["errors"] == [], url
    assert await _endpoints(pool) == 3


def resolving(*addresses: str) -> Any:
    """A resolver that answers every name with these addresses (what DNS says at that moment)."""

    async def resolve(host: str, port: int) -> Sequence[str]:
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    "answer",
    [("10.0.0.5",), (PUBLIC, "127.0.0.1"), ("::1",), (PUBLIC, "169.254.169.254"), ("::ffff:7f00:1",)],
)
async def test_a_name_resolving_to_any_private_address_is_refused_at_registration(
    pool: Pool, answer: tuple[str, ...]
) -> None:
    new = webhook.NewEndpoint("https://hooks.example.org/lianxin", [], None, "test")
    with pytest.raises(DomainError) as refused:
        async with unit_of_work(pool, None) as uow:
            await webhook.create_endpoint(uow, new, resolver=resolving(*answer))
    assert [(i.code, i.field) for i in refused.value.issues] == [("WEBHOOK_URL_NOT_ALLOWED", ("url",))]
    assert await _endpoints(pool) == 0


@dataclass
class Receiver:
    """Answers each POST with the queued (status, body, headers), then 200; records what it got."""

    answers: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)
    received: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        self.received.append((request.url.path, dict(request.headers)))
        status, body, headers = self.answers.pop(0) if self.answers else (200, "", {})
        return Response(body, status_code=status, headers=headers)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, int]]:
    r = Receiver()
    routes = [Route(path, r.handle, methods=["POST"]) for path in ("/hook", "/elsewhere")]
    async with serve(Starlette(routes=routes)) as port:
        yield r, port


async def _pending_delivery(pool: Pool, url: str) -> None:
    """An endpoint and one due delivery, straight into the tables: as if registered while its name
    pointed elsewhere (or before targets were checked)."""
    async with pool.acquire() as conn:
        endpoint = await conn.fetchval(
            "INSERT INTO webhook_endpoint (url, secret, created_by) VALUES ($1, 'whsec_x', 'test') RETURNING id",
            url,
        )
        await conn.execute(
            "INSERT INTO webhook_delivery (endpoint_id, event_id, event_type, body) "
            "VALUES ($1, 1, 'household.updated', '{}')",
            endpoint,
        )


async def _send(pool: Pool, policy: webhook.TargetPolicy) -> dict[DeliveryStatus, int]:
    async with httpx.AsyncClient(timeout=5) as client:
        return await webhook.deliver_due(pool, client, FAST, policy=policy)


async def _deliveries(gql: Any) -> list[dict[str, Any]]:
    return [e["node"] for e in (await gql(DELIVERIES))["webhookDeliveries"]["edges"]]


@pytest.mark.parametrize(
    ("host", "answer"),
    [
        ("127.0.0.1", None),  # a literal row written before the check existed
        ("hooks.example.org", ("127.0.0.1",)),  # DNS rebinding: public at registration, loopback now
        ("hooks.example.org", (PUBLIC, "127.0.0.1")),  # one bad address among good ones
        ("hooks.example.org", ("::ffff:127.0.0.1",)),
    ],
)
async def test_a_send_to_a_non_public_address_never_leaves_and_is_dead_lettered_at_once(
    gql: Any, pool: Pool, receiver: tuple[Receiver, int], host: str, answer: tuple[str, ...] | None
) -> None:
    r, port = receiver
    await _pending_delivery(pool, f"http://{host}:{port}/hook")
    policy = webhook.TargetPolicy(resolver=resolving(*answer) if answer else None)
    assert await _send(pool, policy) == {DeliveryStatus.DEAD: 1}
    assert r.received == []
    [delivery] = await _deliveries(gql)
    assert delivery == {
        "status": "DEAD",
        "attemptCount": 1,
        "lastError": "target address not allowed",
        "attempts": [{"statusCode": None, "error": "target address not allowed"}],
    }
    # dead-lettered: no retry, however many rounds follow
    for _ in range(3):
        assert await _send(pool, policy) == {}
    assert r.received == []


async def test_the_post_goes_to_the_address_checked_with_the_name_kept_for_the_receiver(
    pool: Pool, receiver: tuple[Receiver, int]
) -> None:
    """With the development setting, a name resolved (once, by the check) to loopback is posted to
    that address: `hooks.example.org` resolves nowhere else, so a second lookup would have failed."""
    r, port = receiver
    await _pending_delivery(pool, f"http://hooks.example.org:{port}/hook")
    lookups: list[str] = []

    async def resolve(host: str, port: int) -> Sequence[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    policy = webhook.TargetPolicy(allow_private=True, resolver=resolve)
    assert await _send(pool, policy) == {DeliveryStatus.DELIVERED: 1}
    [(path, headers)] = r.received
    assert (path, headers["host"]) == ("/hook", f"hooks.example.org:{port}")
    assert lookups == ["hooks.example.org"]


SECRET = "root:x:0:0:SECRET-FROM-THE-INTERNAL-SERVICE"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(500, "PENDING"), (400, "FAILED"), (404, "FAILED"), (429, "PENDING"), (302, "FAILED")],
)
async def test_last_error_holds_the_status_and_timing_never_the_body(
    gql: Any, pool: Pool, receiver: tuple[Receiver, int], status: int, outcome: str
) -> None:
    r, port = receiver
    await _pending_delivery(pool, f"http://127.0.0.1:{port}/hook")
    redirect = {"location": f"http://127.0.0.1:{port}/elsewhere"} if status == 302 else {}
    r.answers.append((status, SECRET * 10, redirect))
    await _send(pool, webhook.TargetPolicy(allow_private=True))
    [delivery] = await _deliveries(gql)
    assert delivery["status"] == outcome
    assert re.fullmatch(rf"HTTP {status} after \d+ ms", delivery["lastError"]), delivery["lastError"]
    assert delivery["attempts"] == [{"statusCode": status, "error": delivery["lastError"]}]
    assert [path for path, _ in r.received] == ["/hook"]  # a redirect is not followed
    async with pool.acquire() as conn:
        stored = await conn.fetchval(
            "SELECT string_agg(coalesce(error, ''), ' ') FROM webhook_attempt"
        ) + await conn.fetchval("SELECT string_agg(coalesce(last_error, ''), ' ') FROM webhook_delivery")
    assert "SECRET" not in stored


async def test_a_network_error_is_stored_as_its_class(gql: Any, pool: Pool) -> None:
    await _pending_delivery(pool, f"http://127.0.0.1:{free_port()}/hook")  # nothing listens there
    assert await _send(pool, webhook.TargetPolicy(allow_private=True)) == {DeliveryStatus.PENDING: 1}
    [delivery] = await _deliveries(gql)
    assert re.fullmatch(r"ConnectError after \d+ ms", delivery["lastError"]), delivery["lastError"]


async def test_errors_stored_before_the_fix_show_no_body(gql: Any, pool: Pool) -> None:
    await _pending_delivery(pool, f"https://{PUBLIC}/hook")
    async with pool.acquire() as conn:
        await conn.execute("UPDATE webhook_delivery SET last_error = $1", f"HTTP 500: {SECRET}")
        await conn.execute(
            "INSERT INTO webhook_attempt (delivery_id, status_code, error, duration_ms) "
            "SELECT id, 500, last_error, 3 FROM webhook_delivery"
        )
    [delivery] = await _deliveries(gql)
    assert (delivery["lastError"], delivery["attempts"]) == (
        "HTTP 500",
        [{"statusCode": 500, "error": "HTTP 500"}],
    )


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed key and certificate for hooks.example.org."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=hooks.example.org",
         "-addext", "subjectAltName=DNS:hooks.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
async def test_https_to_a_name_verifies_the_certificate_of_that_name_at_the_checked_address(
    pool: Pool, certificate: tuple[Path, Path]
) -> None:
    """Pinned to 127.0.0.1 (development setting), the TLS handshake still names hooks.example.org:
    a certificate for that name passes, and the same server refuses a name its certificate lacks."""
    key, cert = certificate
    r = Receiver()
    app = Starlette(routes=[Route("/hook", r.handle, methods=["POST"])])
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", ssl_keyfile=key, ssl_certfile=cert
        )
    )
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(20):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers no event
                await asyncio.sleep(0.02)
        await _pending_delivery(pool, f"https://hooks.example.org:{port}/hook")
        await _pending_delivery(pool, f"https://other.example.org:{port}/hook")
        policy = webhook.TargetPolicy(allow_private=True, resolver=resolving("127.0.0.1"))
        async with httpx.AsyncClient(timeout=5, verify=ssl.create_default_context(cafile=cert)) as client:
            assert await webhook.deliver_due(pool, client, FAST, policy=policy) == {
                DeliveryStatus.DELIVERED: 1,
                DeliveryStatus.PENDING: 1,
            }
        assert [h["host"] for _, h in r.received] == [f"hooks.example.org:{port}"]
    finally:
        server.should_exit = True
        await task
