"""Automatic persisted queries with the clients themselves (issue 15): Apollo Client's persisted-query
link (GET for hashed queries) and urql's persistedExchange (GET preferred), from
examples/persisted-queries, against uvicorn on a free port. Each first sends the hash alone, gets
PersistedQueryNotFound, sends the document, then the hash alone is enough; mutations go by POST."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from gqlws import live_server

from lianxin.core.config import Settings

from conftest import make_token

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "persisted-queries"
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed (Node.js 20+ with npm)"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


def _npm_ci() -> None:
    """`npm ci` unless node_modules already matches package-lock.json."""
    installed = EXAMPLE / "node_modules" / ".package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= (EXAMPLE / "package-lock.json").stat().st_mtime:
        return
    done = subprocess.run(
        [_tool("npm"), "ci", "--no-audit", "--no-fund"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.timeout(360)  # npm ci on a machine without node_modules
async def test_apollo_client_and_urql_use_persisted_queries(settings: Settings, migrated: str) -> None:
    node = _tool("node")
    await asyncio.to_thread(_npm_ci)
    async with live_server(settings) as url:
        process = await asyncio.create_subprocess_exec(
            node,
            "run.mjs",
            url.replace("ws://", "http://"),
            make_token(),
            cwd=EXAMPLE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    result = json.loads(out)
    assert result["apollo"] == [0, "阿波罗", 1]
    assert result["urql"] == [["阿波罗"], ["阿波罗"]]
    shapes = [(r["client"], r["method"], r["sentDocument"], r["code"]) for r in result["requests"]]
    assert shapes == [
        ("apollo", "GET", False, "PERSISTED_QUERY_NOT_FOUND"),  # the hash alone, unknown
        ("apollo", "POST", True, None),  # registered with the document
        ("apollo", "POST", False, "PERSISTED_QUERY_NOT_FOUND"),  # the mutation's hash, by POST
        ("apollo", "POST", True, None),
        ("apollo", "GET", False, None),  # the query's hash alone now runs
        ("urql", "GET", False, "PERSISTED_QUERY_NOT_FOUND"),
        ("urql", "GET", True, None),  # urql retries by GET with the document
        ("urql", "GET", False, None),
    ]
    assert {r["status"] for r in result["requests"]} == {200}
