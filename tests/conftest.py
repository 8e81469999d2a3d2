"""Test fixtures on real servers: PostgreSQL and Redis (embedded unless TEST_DATABASE_URL/TEST_REDIS_URL).

Each pytest-xdist worker gets its own database (migrated once) and its own Redis database index or
embedded Redis; every test starts from empty tables and an empty Redis.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import redis.asyncio as aioredis
from asgi_lifespan import LifespanManager

# every operation the suite sends runs through the planned executor AND graphql-core, compared (issue 12)
os.environ.setdefault("LIANXIN_EXECUTOR_DIFF", "1")
os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/lianxin-runtime-{os.getuid()}")
Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)

from lianxin.core.config import Settings  # noqa: E402
from lianxin.core.db import Pool, connect, create_pool  # noqa: E402
from lianxin.core.migrate import migrate  # noqa: E402
from lianxin.core.tokens import Principal, Role, issue_token  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = ROOT / ".lianxin" / "test"
JWT_SECRET = "test-secret-" + "x" * 64


def with_database(url: str, name: str) -> str:
    """The same server URL with another database name (the query string may hold a socket path)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def worker_id_str(request: pytest.FixtureRequest) -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def run_tag(worker_id_str: str) -> str:
    """Unique per test run and worker, so concurrent runs on one machine never share a database."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:8]
    return f"{worker_id_str}_{run}"


@pytest.fixture(scope="session")
def database_url(run_tag: str) -> Iterator[str]:
    given = os.environ.get("TEST_DATABASE_URL")
    name = f"lianxin_test_{run_tag}"
    if given:
        import asyncio

        async def recreate() -> str:
            conn = await connect(given)
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
            await conn.close()
            return with_database(given, name)

        yield asyncio.run(recreate())
        return
    from lianxin_cli.embedded import EmbeddedPostgres

    TEST_DATA.mkdir(parents=True, exist_ok=True)
    pg = EmbeddedPostgres(TEST_DATA / "postgres")
    yield pg.ensure_database(name, recreate=True)
    pg.drop_database(name)
    pg.stop()


@pytest.fixture(scope="session")
def redis_url(worker_id_str: str, run_tag: str) -> Iterator[str]:
    given = os.environ.get("TEST_REDIS_URL")
    if given:
        index = 1 + (int(worker_id_str[2:]) if worker_id_str.startswith("gw") else 0)
        yield f"{given.rstrip('/').rsplit('/', 1)[0]}/{index}"
        return
    from lianxin_cli.embedded import EmbeddedRedis

    folder = TEST_DATA / f"redis-{run_tag}"
    server = EmbeddedRedis(folder)
    yield server.url
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        LIANXIN_JWT_SECRET=JWT_SECRET,
        LIANXIN_DATA_DIR=tmp_path_factory.mktemp("data"),
        LIANXIN_DB_POOL_MAX=10,
    )


@pytest.fixture(scope="session")
async def migrated(database_url: str) -> str:
    conn = await connect(database_url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return database_url


@pytest.fixture(scope="session")
async def pool(migrated: str) -> AsyncIterator[Pool]:
    p = await create_pool(migrated, max_size=5)
    yield p
    await p.close()


@pytest.fixture(scope="session")
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def empty_state(pool: Pool, redis_client: aioredis.Redis) -> None:
    await reset_state(pool, redis_client)


async def reset_state(pool: Pool, redis_client: aioredis.Redis) -> None:
    """Empty every table (but the migration record) and the Redis database."""
    async with pool.acquire() as conn:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migration'"
        )
        if tables:
            names = ", ".join(f'"{t["tablename"]}"' for t in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    await redis_client.flushdb()


@pytest.fixture(autouse=True)
def executor_agrees() -> Iterator[None]:
    """Fails the test if the planned executor answered anything differently from graphql-core."""
    from lianxin_api.executor import MISMATCHES

    del MISMATCHES[:]
    yield
    if MISMATCHES:
        found = list(MISMATCHES)
        del MISMATCHES[:]
        pytest.fail(f"planned executor differs from graphql-core: {str(found)[:4000]}")


@pytest.fixture(autouse=True)
def clean_state(request: pytest.FixtureRequest) -> None:
    """Every test starts from empty tables and Redis, except those marked `no_db`."""
    if "no_db" not in request.keywords:
        request.getfixturevalue("empty_state")


@pytest.fixture(scope="session")
async def app(settings: Settings, migrated: str) -> AsyncIterator[Any]:
    from lianxin_api.app import create_app

    application = create_app(settings)
    async with LifespanManager(application) as manager:
        yield manager.app


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def make_token(role: Role = Role.ADMIN, ttl: timedelta = timedelta(hours=1), **scope: Any) -> str:
    principal = Principal(subject=f"test:{role.value.lower()}", role=role, **scope)
    return issue_token(JWT_SECRET, principal, now=datetime.now(UTC), ttl=ttl)


class GraphQLClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = "admin"
    ) -> Any:
        headers = {}
        if token == "admin":
            token = make_token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = "admin"
    ) -> Any:
        body = await self.raw(query, variables, token)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)
