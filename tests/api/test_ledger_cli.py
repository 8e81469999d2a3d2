"""`lianxin ledger-export` / `ledger-import` as real processes against the test database."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from lianxin.core.config import Settings
from lianxin.core.ids import to_global_id

from factories import make_union, member_input

CREATE = """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) { errors { code } } }"""
LIANXIN = str(Path(sys.executable).with_name("lianxin"))


async def lianxin(settings: Settings, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env |= {"DATABASE_URL": settings.require_database_url(), "LIANXIN_DATA_DIR": str(settings.data_dir)}
    proc = await asyncio.create_subprocess_exec(
        LIANXIN, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_export_and_reimport_from_the_command_line(
    gql: Any, pool: Any, settings: Settings, tmp_path: Path
) -> None:
    union = await make_union(pool, name="威海市总工会")
    household = {
        "unionId": to_global_id("TradeUnion", union.id),
        "archiveNo": "WH0001",
        "level": "NATIONAL",
        "category": "DEEP",
        "hardshipReasons": ["ILLNESS"],
        "regionCode": "371002",
        "members": [member_input("HEAD", "19770101")],
    }
    assert (await gql(CREATE, {"input": household}))["createHousehold"]["errors"] == []
    ledger = tmp_path / "ledger.xlsx"
    code, out, _ = await lianxin(settings, "ledger-export", str(ledger))
    assert code == 0, out
    assert load_workbook(ledger)["households"]["A2"].value == "WH0001"

    code, out, err = await lianxin(settings, "ledger-import", str(ledger))
    assert (code, out.strip()) == (0, "created 0, updated 0, unchanged 1, refused 0")
    assert "1/1" in err  # the progress bar

    book = load_workbook(ledger)
    book["members"].append(["WH0001", "李四", "NEPHEW", "371002197701010012", "HEALTHY", "EMPLOYED"])
    book.save(ledger)
    code, out, err = await lianxin(settings, "ledger-import", str(ledger))
    assert (code, out.strip()) == (1, "created 0, updated 0, unchanged 0, refused 1")
    assert "members row 3 relation: INVALID_VALUE" in err
    report = load_workbook(tmp_path / "ledger.errors.xlsx")["errors"]
    assert [c.value for c in report[2]][:4] == ["members", 3, "relation", "INVALID_VALUE"]
