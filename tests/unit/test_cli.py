"""The `lianxin` command line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lianxin.core.tokens import Role, verify_token
from lianxin_cli.main import build_parser

pytestmark = pytest.mark.no_db


def test_token_prints_a_verifiable_scoped_token() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lianxin_cli.main", "token", "--role", "UNION_STAFF", "--union", "7"],
        env={"LIANXIN_JWT_SECRET": "cli-secret-" + "y" * 32, "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    principal = verify_token("cli-secret-" + "y" * 32, out.stdout.strip())
    assert (principal.role, principal.union_id, principal.region_code) == (Role.UNION_STAFF, 7, None)


def test_unknown_role_is_refused() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["token", "--role", "ROOT"])


def test_dev_secret_is_persisted_in_the_data_folder(tmp_path: object) -> None:
    from pathlib import Path

    from lianxin.core.config import Settings

    folder = Path(str(tmp_path))
    first = Settings(LIANXIN_DATA_DIR=folder).signing_secret
    assert Settings(LIANXIN_DATA_DIR=folder).signing_secret == first
    assert (folder / "jwt-secret").stat().st_mode & 0o077 == 0


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lianxin_cli.main", *args],
        env={"PATH": "", "PYTHONPATH": __import__("os").environ.get("PYTHONPATH", ""), **env},
        capture_output=True,
        text=True,
    )


def test_ids_are_global_ids_or_numbers() -> None:
    from lianxin.core.ids import to_global_id
    from lianxin_cli.ids import parse_id

    assert parse_id(to_global_id("TradeUnion", 2), "TradeUnion") == 2
    assert parse_id("2", "TradeUnion") == 2
    for bad in (to_global_id("Agency", 2), "0", "-1", "x", to_global_id("TradeUnion", 0), ""):
        with pytest.raises(ValueError, match="is not a TradeUnion id"):
            parse_id(bad, "TradeUnion")
    # the token command takes either, for each id it takes
    args = build_parser().parse_args(
        ["token", "--role", "SPONSOR", "--sponsor", to_global_id("Organization", 5), "--agency", "3"]
    )
    assert (args.sponsor, args.agency) == (5, 3)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["token", "--role", "UNION_STAFF", "--union", to_global_id("Household", 2)])


def test_token_takes_the_id_graphql_shows() -> None:
    from lianxin.core.ids import to_global_id

    secret = "cli-secret-" + "z" * 32
    out = _cli(
        "token", "--role", "UNION_STAFF", "--union", to_global_id("TradeUnion", 7), LIANXIN_JWT_SECRET=secret
    )
    assert out.returncode == 0, out.stderr
    assert verify_token(secret, out.stdout.strip()).union_id == 7


def test_token_without_a_secret_says_so_and_makes_none(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "elsewhere"
    out = _cli("token", "--role", "ADMIN", LIANXIN_DATA_DIR=str(folder))
    assert out.returncode == 2
    assert out.stdout == ""
    assert "LIANXIN_DATA_DIR" in out.stderr
    assert "LIANXIN_JWT_SECRET" in out.stderr
    assert str(folder / "jwt-secret") in out.stderr
    assert not (folder / "jwt-secret").exists()
    # with the folder `lianxin dev` made, the token is signed with its secret
    folder.mkdir()
    (folder / "jwt-secret").write_text("dev-secret-" + "q" * 40)
    out = _cli("token", "--role", "ADMIN", LIANXIN_DATA_DIR=str(folder))
    assert out.returncode == 0, out.stderr
    assert verify_token("dev-secret-" + "q" * 40, out.stdout.strip()).role == Role.ADMIN


def test_the_state_file_names_a_running_dev_only(tmp_path: object) -> None:
    import json
    from pathlib import Path

    from lianxin.core.config import Settings
    from lianxin_cli import devstate

    folder = Path(str(tmp_path))
    settings = Settings(LIANXIN_DATA_DIR=folder, DATABASE_URL=None, REDIS_URL=None)
    assert devstate.with_running_servers(settings) == (settings, {})
    path = devstate.write_state(settings, "postgresql://db/lianxin", "redis://127.0.0.1:1/0")
    assert path.stat().st_mode & 0o077 == 0
    found, taken = devstate.with_running_servers(settings)
    assert (found.database_url, found.redis_url) == ("postgresql://db/lianxin", "redis://127.0.0.1:1/0")
    assert taken
    # a configured address wins over the file
    configured = settings.model_copy(update={"database_url": "postgresql://mine/x"})
    assert devstate.with_running_servers(configured)[0].database_url == "postgresql://mine/x"
    # a file left by a killed run (its process is gone) is ignored
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    path.write_text(json.dumps({"pid": int(dead.stdout), "DATABASE_URL": "postgresql://gone/x"}))
    assert devstate.read_state(settings) is None
    devstate.write_state(settings, "postgresql://db/lianxin", "redis://x")
    devstate.remove_state(settings)
    assert not path.exists()


def test_contact_card_without_a_database_explains(tmp_path: object) -> None:
    out = _cli("contact-card", "SG91c2Vob2xkOjE", LIANXIN_DATA_DIR=str(tmp_path))
    assert out.returncode == 2
    assert "make run" in out.stderr
    assert "DATABASE_URL" in out.stderr


def test_the_banner_names_the_servers_and_hides_passwords(tmp_path: object) -> None:
    from pathlib import Path

    from lianxin.core.config import Settings
    from lianxin_cli.banner import banner

    settings = Settings(LIANXIN_DATA_DIR=Path(str(tmp_path)), LIANXIN_JWT_SECRET="b" * 40)
    text = banner(
        settings, "postgresql://u:secretpw@db:5432/lianxin", "redis://127.0.0.1:6390/0", Path("w.log")
    )
    assert "postgresql://u:***@db:5432/lianxin" in text
    assert "secretpw" not in text
    assert "redis://127.0.0.1:6390/0" in text
    assert "w.log" in text
