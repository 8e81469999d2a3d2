"""The typed TypeScript client example (examples/typescript-client) against the real server: its types
are generated from schema.graphql by graphql-codegen, `tsc` must accept it, and `node dist/main.js`
queries, mutates and subscribes (graphql-ws) on a live uvicorn with a token, as a frontend team would."""

from __future__ import annotations

import asyncio
import os
import re

import pytest
from gqlws import serve

from lianxin.core.config import Settings

from conftest import make_token
from node_tools import ROOT, npm_ci, require, run

EXAMPLE = ROOT / "examples" / "typescript-client"


@pytest.fixture(scope="module")
def built() -> str:
    """The example compiled from freshly generated types; returns the node binary."""
    npm = require("npm", hint="install Node.js 20+ with npm")
    npm_ci(EXAMPLE)
    run([npm, "run", "codegen"], EXAMPLE, 120)
    run([npm, "run", "build"], EXAMPLE, 120)
    return require("node", hint="install Node.js 20+")


@pytest.mark.timeout(600)  # npm ci on a machine without the cached node_modules
async def test_the_typescript_example_queries_mutates_and_subscribes(
    built: str, settings: Settings, migrated: str
) -> None:
    from lianxin_api.app import create_app

    async with serve(create_app(settings)) as port:
        env = {
            **os.environ,
            "LIANXIN_URL": f"http://127.0.0.1:{port}/graphql",
            "LIANXIN_TOKEN": make_token(),
        }
        node = await asyncio.create_subprocess_exec(
            built,
            "dist/main.js",
            cwd=EXAMPLE,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(60):
            out, err = await node.communicate()
    output = out.decode()
    assert node.returncode == 0, f"{output}\n{err.decode()}"

    lines = output.splitlines()
    assert lines[0] == "query: 0 unions"
    created = dict(re.findall(r"^mutation: created (示例工会 \d+) (\S+)$", output, re.MULTILINE))
    assert created, output
    streamed = re.search(r"^subscription: union\.created (示例工会 \d+) (\S+)$", output, re.MULTILINE)
    assert streamed, output
    assert created[streamed[1]] == streamed[2]  # the event is about a union this client created
    assert lines[-1] == f"query: {len(created)} unions"
