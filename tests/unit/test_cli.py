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
