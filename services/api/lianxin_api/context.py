"""The typed per-request context: pool, queue, caller, and DataLoaders built fresh per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.jobs import JobQueue
from lianxin.core.tokens import Principal
from lianxin.events.hub import EventHub
from lianxin_api.loaders import Loaders


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    settings: Settings
    pool: Pool
    queue: JobQueue | None
    principal: Principal | None
    auth_error: str | None
    loaders: Loaders
    # set by strawberry from a websocket's connection_init payload
    connection_params: Any = field(default=None)
    # the process's event-log reader, for subscriptions
    events: EventHub | None = None
    # members whose ID number this request returned in full; written to access_log once, after execution
    unmasked_member_ids: set[int] = field(default_factory=set)
    # mutations this request was refused for lack of role or scope; audited once, after execution
    forbidden_mutations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


Info = StrawberryInfo[Context, None]
