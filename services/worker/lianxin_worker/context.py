"""The arq worker's ctx, typed."""

from __future__ import annotations

from typing import TypedDict

from arq.connections import ArqRedis

from lianxin.core.config import Settings
from lianxin.core.db import Pool


class WorkerContext(TypedDict):
    redis: ArqRedis
    settings: Settings
    pool: Pool
    job_id: str
    job_try: int
