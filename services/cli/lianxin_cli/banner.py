"""What `lianxin dev` prints once everything answers: the last thing on screen.

The worker's output goes to `<data dir>/logs/worker.log` (the demo set alone makes hundreds of job
lines within seconds), and the banner waits until the API answers, so its startup lines come first.
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from lianxin.core.config import Settings
from lianxin.core.tokens import Principal, Role, issue_token


def log_folder(settings: Settings) -> Path:
    folder = settings.data_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def wait_until_serving(
    settings: Settings,
    children: Sequence[subprocess.Popen[bytes]],
    *,
    stopped: Callable[[], bool] = lambda: False,
    timeout: float = 60,
) -> bool:
    """True once the API answers /healthz (any status); False if a child exits, `stopped()` (Ctrl-C)
    or time runs out."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = f"http://{host}:{settings.port}/healthz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stopped() or any(c.poll() is not None for c in children):
            return False
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except urllib.error.HTTPError:
            return True  # it answers
        except OSError:
            time.sleep(0.1)
    return False


def shown(url: str) -> str:
    """The address without its password (a configured DATABASE_URL may carry one)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def banner(settings: Settings, database_url: str, redis_url: str, worker_log: Path) -> str:
    token = issue_token(
        settings.signing_secret, Principal(subject="dev:admin", role=Role.ADMIN), now=datetime.now(UTC)
    )
    base = f"http://{settings.host}:{settings.port}"
    return (
        f"\nLianxin is running.\n"
        f"  GraphiQL   : {base}/graphql\n"
        f"  health     : {base}/readyz\n"
        f"  PostgreSQL : {shown(database_url)}\n"
        f"  Redis      : {shown(redis_url)}\n"
        f"  logs       : the API's below; the worker's in {worker_log}\n"
        f"  other commands (`lianxin contact-card`, `ledger-export`, `token`, …) find these servers\n"
        f"  through {settings.data_dir / 'dev-state.json'} while this runs.\n"
        f"  an ADMIN token for GraphiQL's headers (12 h; more with `lianxin token --role …`):\n"
        f'  {{"Authorization": "Bearer {token}"}}\n'
        f"  Ctrl-C stops everything.\n"
    )
