"""Where the embedded servers of a running `lianxin dev` are: a small state file in the data folder.

`lianxin dev` writes `<LIANXIN_DATA_DIR>/dev-state.json` ({"pid", "DATABASE_URL", "REDIS_URL"}, mode
0600) once its embedded servers are up and removes it on exit. Other commands (`contact-card`,
`ledger-*`, `migrate`, `demo-data`, …) read it when DATABASE_URL / REDIS_URL are unset, so they reach
those servers with no setup; a file left by a killed run names a dead process and is ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from lianxin.core.config import Settings

STATE_FILE = "dev-state.json"


def state_path(settings: Settings) -> Path:
    return settings.data_dir / STATE_FILE


def write_state(settings: Settings, database_url: str, redis_url: str) -> Path:
    """Record this process's servers (replacing a file a dead run left)."""
    path = state_path(settings)
    tmp = path.with_suffix(".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"pid": os.getpid(), "DATABASE_URL": database_url, "REDIS_URL": redis_url}, out)
    tmp.replace(path)
    return path


def remove_state(settings: Settings) -> None:
    """Remove the file if it is this process's."""
    path = state_path(settings)
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_state(settings: Settings) -> dict[str, str] | None:
    """The running `lianxin dev`'s {"DATABASE_URL", "REDIS_URL"}, or None (no file, unreadable, or
    its process is gone)."""
    try:
        state = json.loads(state_path(settings).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or not _alive(state.get("pid")):
        return None
    return {k: v for k in ("DATABASE_URL", "REDIS_URL") if isinstance(v := state.get(k), str) and v}


def with_running_servers(settings: Settings) -> tuple[Settings, dict[str, str]]:
    """`settings` with DATABASE_URL / REDIS_URL taken from a running `lianxin dev` where unset;
    also what was taken (empty when nothing)."""
    state = read_state(settings) or {}
    taken: dict[str, str] = {}
    if not settings.database_url and state.get("DATABASE_URL"):
        taken["database_url"] = state["DATABASE_URL"]
    if not settings.redis_url and state.get("REDIS_URL"):
        taken["redis_url"] = state["REDIS_URL"]
    return (settings.model_copy(update=taken) if taken else settings), taken


def existing_secret(settings: Settings) -> str | None:
    """The JWT secret the server of these settings uses, if there is one: LIANXIN_JWT_SECRET, else the
    data folder's `jwt-secret` (which only `lianxin dev` creates). Never makes one."""
    if settings.jwt_secret:
        return settings.jwt_secret
    path = settings.data_dir / "jwt-secret"
    try:
        return path.read_text().strip() or None
    except OSError:
        return None
