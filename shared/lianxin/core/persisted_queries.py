"""Persisted GraphQL documents in Redis, keyed by the SHA-256 of their text (Apollo's automatic
persisted queries, and the production allow-list).

`apq:<hex>` holds a document registered by a client (it expires after the configured TTL);
`apq:allow:<hex>` one registered by an operator (`lianxin persisted-queries add`), never expiring: in
allow-list mode only those run.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

KEY_PREFIX = "lianxin:apq:"
ALLOW_PREFIX = KEY_PREFIX + "allow:"
HASH = re.compile(r"^[0-9a-f]{64}$")


class RedisLike(Protocol):  # the part of redis.asyncio.Redis used here
    async def get(self, name: str) -> Any: ...
    async def set(self, name: str, value: str, ex: int | None = None) -> Any: ...


def document_hash(query: str) -> str:
    """The hash Apollo Client and urql send: SHA-256 of the document's UTF-8 text, lower-case hex."""
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


async def lookup(redis: RedisLike, sha256: str, *, allow_list: bool) -> str | None:
    """The document registered under `sha256` (only operator-registered ones in allow-list mode)."""
    found = await redis.get(ALLOW_PREFIX + sha256)
    if found is None and not allow_list:
        found = await redis.get(KEY_PREFIX + sha256)
    return _text(found)


async def remember(redis: RedisLike, query: str, ttl_seconds: int) -> str:
    """Registers a client's document (automatic persisted queries); returns its hash."""
    sha256 = document_hash(query)
    await redis.set(KEY_PREFIX + sha256, query, ex=ttl_seconds or None)
    return sha256


async def allow(redis: RedisLike, query: str) -> str:
    """Registers an operator's document for the allow-list (never expires); returns its hash."""
    sha256 = document_hash(query)
    await redis.set(ALLOW_PREFIX + sha256, query)
    return sha256


@dataclass(frozen=True)
class Document:
    name: str
    query: str


def documents_in_file(name: str, text: str) -> list[Document]:
    """The documents to register from one file: each operation `body` of an Apollo persisted-query
    manifest (`generate-persisted-query-manifest`: `{"format": "apollo-persisted-query-manifest",
    "operations": [{"id", "name", "body"}]}`, every `id` checked against its body), else the whole file
    as one document, byte for byte (the client must send exactly this text)."""
    if name.endswith(".json"):
        manifest = json.loads(text)
        operations = manifest.get("operations") if isinstance(manifest, dict) else None
        if not isinstance(operations, list):
            raise ValueError(f"{name}: not an Apollo persisted-query manifest (no `operations` list)")
        found = []
        for op in operations:
            body, op_id = op.get("body"), op.get("id")
            if not isinstance(body, str) or (op_id is not None and op_id != document_hash(body)):
                raise ValueError(
                    f"{name}: operation {op.get('name')!r} has no body or its id is not its hash"
                )
            found.append(Document(str(op.get("name") or op_id), body))
        return found
    return [Document(name, text)]
