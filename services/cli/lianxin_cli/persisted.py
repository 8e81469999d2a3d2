"""`lianxin persisted-queries add FILE…`: put documents on the allow-list (LIANXIN_PERSISTED_QUERIES=
allowlist), in the Redis the API uses. A FILE is a `.graphql` document, registered byte for byte (the
client must send exactly that text), or an Apollo persisted-query manifest (`.json`, from
`generate-persisted-query-manifest`). Prints each document's hash.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from redis.asyncio import Redis

from lianxin.core import persisted_queries as store
from lianxin.core.config import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["add"], help="add: register documents on the allow-list")
    parser.add_argument("files", nargs="+", help=".graphql documents or Apollo persisted-query manifests")


def read_documents(paths: list[str]) -> list[store.Document]:
    return [
        doc for path in paths for doc in store.documents_in_file(path, Path(path).read_text(encoding="utf-8"))
    ]


async def add(settings: Settings, documents: list[store.Document]) -> list[tuple[str, str]]:
    """(hash, name) of every document registered."""
    redis = Redis.from_url(settings.require_redis_url())
    try:
        return [(await store.allow(redis, doc.query), doc.name) for doc in documents]
    finally:
        await redis.aclose()


def cmd_persisted_queries(args: argparse.Namespace, settings: Settings) -> int:
    try:
        # every file is read and checked before anything is registered
        added = asyncio.run(add(settings, read_documents(args.files)))
    except (OSError, ValueError) as exc:
        print(f"lianxin persisted-queries: {exc}", file=sys.stderr)
        return 1
    for sha256, name in added:
        print(f"{sha256}  {name}")
    return 0
