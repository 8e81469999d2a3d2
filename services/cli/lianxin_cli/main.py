"""The `lianxin` command: dev, api, worker, migrate, demo-data, token, schema, backup, restore, …"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from lianxin.core.config import ConfigError, Settings
from lianxin.core.logs import configure_logging
from lianxin.core.tokens import Principal, Role, issue_token
from lianxin_cli import backup, contact_card, persisted
from lianxin_cli.devstate import existing_secret, with_running_servers
from lianxin_cli.ids import AGENCY, SPONSOR, TRADE_UNION, id_of
from lianxin_cli.ledger import cmd_ledger_export, cmd_ledger_import


def api_server_config(settings: Settings) -> Any:
    """uvicorn's configuration of the API (a `uvicorn.Config`; the tests serve the same one).

    uvicorn's proxy headers are off: it would believe `X-Forwarded-For` from 127.0.0.1 (its default
    `FORWARDED_ALLOW_IPS`), so anyone on the host could pick their rate-limit key. The application
    believes the header only from `LIANXIN_TRUSTED_PROXIES` (`lianxin_api.abuse.TrustedProxyMiddleware`)."""
    import uvicorn

    from lianxin_api.app import create_app

    return uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=False,
        ws="websockets-sansio",
        ws_per_message_deflate=False,  # per-socket zlib state (~50 kB) and compression undo the fan-out
        # no websocket-level pings of uvicorn's (a timer per socket, and a 20 s pong timeout that closes
        # healthy sockets with 1011 while the loop is busy): the graphql-transport-ws pings of
        # `KeepAliveHandler` keep proxies awake and find dead peers (4408)
        ws_ping_interval=None,
        loop="uvloop",
        http="httptools",
        timeout_graceful_shutdown=10,
    )


def cmd_api(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    server = uvicorn.Server(api_server_config(settings))
    # uvicorn re-raises the Ctrl-C it has shut down gracefully on: nothing left to report
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 3


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from lianxin_worker.main import health, run

    if args.check:
        return health(settings)
    run(settings)
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from lianxin_cli.tasks import migrate_database

    applied = asyncio.run(migrate_database(settings.require_database_url()))
    print(f"applied {len(applied)} migration(s)" if applied else "database is up to date")
    return 0


def cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    from lianxin_cli.tasks import load_demo

    print(asyncio.run(load_demo(settings)))
    return 0


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    secret = existing_secret(settings)
    if secret is None:
        # a new secret here would sign tokens that the server (with its own secret) refuses
        print(
            f"no JWT secret: LIANXIN_JWT_SECRET is not set and {settings.data_dir / 'jwt-secret'} does not "
            "exist.\nPoint LIANXIN_DATA_DIR at the data folder of the running server (`lianxin dev` "
            "creates the secret there; default .lianxin), or set LIANXIN_JWT_SECRET to the server's secret.",
            file=sys.stderr,
        )
        return 2
    principal = Principal(
        subject=args.subject or f"cli:{args.role.lower()}",
        role=Role(args.role),
        union_id=args.union,
        region_code=args.region,
        agency_id=args.agency,
        sponsor_id=args.sponsor,
    )
    ttl = timedelta(hours=args.hours)
    print(issue_token(secret, principal, now=datetime.now(UTC), ttl=ttl))
    return 0


def cmd_schema(args: argparse.Namespace, settings: Settings) -> int:
    from lianxin_api.schema import schema

    print(schema.as_str())
    return 0


def cmd_dev(args: argparse.Namespace, settings: Settings) -> int:
    from lianxin_cli.dev import run_dev

    return run_dev(settings)


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace, Settings], int], str]] = {
    "dev": (
        cmd_dev,
        "everything for development: embedded PostgreSQL/Redis, migrate, demo data, API, worker",
    ),
    "api": (cmd_api, "serve the GraphQL API (uvicorn) on HOST:PORT"),
    "worker": (cmd_worker, "run the arq worker (or --check its health)"),
    "migrate": (cmd_migrate, "apply pending database migrations"),
    "demo-data": (cmd_demo_data, "load the demo data set (idempotent)"),
    "token": (cmd_token, "print a bearer token signed with the configured secret"),
    "schema": (cmd_schema, "print the GraphQL SDL"),
    "ledger-export": (cmd_ledger_export, "write the ledger (households and members) to an .xlsx file"),
    "ledger-import": (cmd_ledger_import, "import an .xlsx ledger; row errors go to <file>.errors.xlsx"),
    "contact-card": (contact_card.cmd_contact_card, "print a household's contact card (连心牌) to a PDF"),
    "backup": (backup.cmd_backup, "write the whole database to FILE (pg_dump custom format, mode 0600)"),
    "restore": (
        backup.cmd_restore,
        "load a backup FILE into an empty database (--force: replace one with data)",
    ),
    "persisted-queries": (persisted.cmd_persisted_queries, "add documents to the persisted-query allow-list"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lianxin", description="Lianxin (连心) hardship-relief case management"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == "worker":
            p.add_argument(
                "--check", action="store_true", help="exit 0 if a worker reported healthy recently"
            )
        if name in ("ledger-export", "ledger-import"):
            p.add_argument("path", help="the .xlsx file")
        if name == "contact-card":
            contact_card.add_arguments(p)
        if name in ("backup", "restore"):
            backup.add_arguments(p, name)
        if name == "persisted-queries":
            persisted.add_arguments(p)
        if name == "token":
            p.add_argument("--role", required=True, choices=[r.value for r in Role])
            p.add_argument(
                "--union",
                type=id_of(TRADE_UNION),
                help="union id, as GraphQL shows it or the number (UNION_STAFF)",
            )
            p.add_argument("--region", help="region code (CIVIL_AFFAIRS scope)")
            p.add_argument(
                "--agency",
                type=id_of(AGENCY),
                help="agency id, as GraphQL shows it or the number (CIVIL_AFFAIRS)",
            )
            p.add_argument(
                "--sponsor",
                type=id_of(SPONSOR),
                help="sponsor organization id, as GraphQL shows it or the number (SPONSOR)",
            )
            p.add_argument("--subject", help="who the token is for (default cli:<role>)")
            p.add_argument("--hours", type=float, default=12.0, help="validity in hours (default 12)")
    return parser


# refuse to start, in production, without the secrets serving needs (Settings.serving_problem)
SERVING = {"api", "worker"}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    if args.command != "dev":  # `lianxin dev` starts its own; the others find it
        settings, taken = with_running_servers(settings)
        if taken:
            print(
                f"using the embedded servers of the running `lianxin dev` ({settings.data_dir})",
                file=sys.stderr,
            )
    configure_logging(settings.log_level)
    handler, _ = COMMANDS[args.command]
    try:
        if args.command in SERVING and not getattr(args, "check", False):
            settings.check_serving()
        return handler(args, settings)
    except ConfigError as exc:
        print(f"lianxin {args.command}: configuration error: {exc}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
