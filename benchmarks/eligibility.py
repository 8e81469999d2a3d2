"""Re-matching at scale: the worker's chunked path against a set-based SQL reference, in one run.

    .venv/bin/python benchmarks/eligibility.py            # 1,000,000 households (a few minutes)
    .venv/bin/python benchmarks/eligibility.py --n 100000

Generates N households with COPY (1–4 members, wages, pensions, transfers, some rigid expenditure
and deposits), publishes the demo policy, then times (a) a full re-match exactly as the worker runs
it (`lianxin.matching.service.run_chunk`, chunk by chunk, each its own transaction, decisions and
events written) in a separate process whose peak RSS is reported, and (b) a set-based SQL pass
computing the DIBAO income test (counted income with the wage deduction, per-capita below the
standard) over the same rows. Prints rows/s of both and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from lianxin.core.db import Connection, connect
from lianxin.core.migrate import migrate
from lianxin.eligibility import DEMO_PARAMETERS

CHUNK = 20_000
SQL_REFERENCE = """
WITH m AS (
    SELECT household_id, count(*) AS n FROM member GROUP BY household_id
), wage AS (
    SELECT i.household_id, i.member_position, sum(i.monthly_fen) AS w
    FROM income i JOIN member mb ON mb.household_id = i.household_id AND mb.position = i.member_position
    WHERE i.kind = 'WAGE' AND mb.employment IN ('EMPLOYED', 'FLEXIBLE')
    GROUP BY i.household_id, i.member_position
), deduction AS (
    SELECT household_id, sum(least(w * 0.20, 20000)) AS d FROM wage GROUP BY household_id
), counted AS (
    SELECT household_id, sum(monthly_fen) FILTER (WHERE kind <> 'EXEMPT') AS i
    FROM income GROUP BY household_id
)
SELECT count(*) FILTER (WHERE (coalesce(c.i, 0) - coalesce(d.d, 0)) / m.n < 85000) AS dibao, count(*) AS total
FROM household h JOIN m ON m.household_id = h.id
LEFT JOIN counted c ON c.household_id = h.id LEFT JOIN deduction d ON d.household_id = h.id
WHERE h.status = 'ACTIVE'
"""


def _rows(start: int, count: int, rng: random.Random) -> tuple[list[tuple[object, ...]], ...]:
    households, members, incomes, expenditures, assets = [], [], [], [], []
    for hid in range(start, start + count):
        households.append((hid, f"B{hid:09d}", "MUNICIPAL", "RELATIVE", "371002", 2))
        for pos in range(rng.randint(1, 4)):
            born = date(1940 + (hid + pos * 7) % 70, 1 + hid % 12, 1 + (hid + pos) % 28)
            idn = f"371002{born:%Y%m%d}{pos:02d}{hid % 10}X"
            job = ("EMPLOYED", "FLEXIBLE", "UNEMPLOYED", "RETIRED", "STUDENT")[(hid + pos) % 5]
            health = "CRITICAL_ILLNESS" if (hid + pos) % 17 == 0 else "HEALTHY"
            members.append(
                (hid, pos, "成员", "HEAD" if pos == 0 else "OTHER", idn, "MALE", born, health, job, False)
            )
            if job in ("EMPLOYED", "FLEXIBLE"):
                incomes.append((hid, "WAGE", rng.randint(50_000, 400_000), pos))
            elif job == "RETIRED":
                incomes.append((hid, "PENSION", rng.randint(60_000, 250_000), pos))
        if hid % 3 == 0:
            incomes.append((hid, "TRANSFER", rng.randint(10_000, 50_000), None))
        if hid % 5 == 0:
            expenditures.append((hid, "MEDICAL", rng.randint(100_000, 3_000_000)))
        assets.append((hid, "DEPOSIT", rng.randint(0, 4_000_000), 1))
    return households, members, incomes, expenditures, assets


async def generate(conn: Connection, n: int) -> None:
    rng = random.Random(1)
    await conn.execute("ALTER TABLE member DROP CONSTRAINT IF EXISTS member_household_id_id_number_key")
    for start in range(1, n + 1, CHUNK):
        h, m, i, e, a = _rows(start, min(CHUNK, n + 1 - start), rng)
        await conn.copy_records_to_table(
            "household",
            records=h,
            columns=["id", "archive_no", "level", "category", "region_code", "union_id"],
        )
        cols = [
            "household_id",
            "position",
            "name",
            "relation",
            "id_number",
            "sex",
            "birth_date",
            "health",
            "employment",
            "household_active",
        ]
        await conn.copy_records_to_table("member", records=m, columns=cols)
        await conn.copy_records_to_table(
            "income", records=i, columns=["household_id", "kind", "monthly_fen", "member_position"]
        )
        await conn.copy_records_to_table(
            "expenditure", records=e, columns=["household_id", "kind", "annual_fen"]
        )
        await conn.copy_records_to_table(
            "asset", records=a, columns=["household_id", "kind", "value_fen", "count"]
        )
        print(f"\r  generated {min(start + CHUNK - 1, n):,}/{n:,} households", end="", flush=True)
    print()
    await conn.execute("SELECT setval(pg_get_serial_sequence('household', 'id'), $1)", n)
    await conn.execute("ANALYZE")


async def prepare(url: str, n: int) -> None:
    conn = await connect(url)
    try:
        await migrate(conn)
        await conn.execute(
            "INSERT INTO trade_union (id, name, kind, region_code, path) OVERRIDING SYSTEM VALUE VALUES "
            "(1, '市总', 'FEDERATION', '371000', '{1}'), "
            "(2, '区总', 'DISTRICT_FEDERATION', '371002', '{1,2}')"
        )
        await conn.execute(
            "INSERT INTO dibao_policy (region_code, effective_from, parameters) "
            "VALUES ('371000', '2020-01-01', $1)",
            dict(DEMO_PARAMETERS),
        )
        await generate(conn, n)
    finally:
        await conn.close()


async def sql_reference(url: str) -> tuple[float, int, int]:
    conn = await connect(url)
    try:
        started = time.perf_counter()
        row = await conn.fetchrow(SQL_REFERENCE)
        assert row is not None
        return time.perf_counter() - started, row["total"], row["dibao"]
    finally:
        await conn.close()


def worker_path(url: str, chunk: int) -> tuple[float, int, int]:
    """Run the re-match in a fresh process (as the worker would) and read its figures."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("_rematch.py")), url, str(chunk)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000, help="households (default 1,000,000)")
    parser.add_argument("--chunk", type=int, default=2000, help="households per worker chunk (default 2000)")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="lianxin-bench-"))
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data))
    url = os.environ.get("DATABASE_URL")
    pg = None
    if url is None:
        from lianxin_cli.embedded import EmbeddedPostgres

        pg = EmbeddedPostgres(data / "postgres")
        url = pg.ensure_database("bench", recreate=True)
    try:
        print(f"preparing {args.n:,} households …")
        asyncio.run(prepare(url, args.n))
        print("set-based SQL reference (DIBAO income test) …")
        sql_s, total, dibao = asyncio.run(sql_reference(url))
        print("worker path (chunks, decisions, events, referrals) …")
        worker_s, decided, rss_kb = worker_path(url, args.chunk)
    finally:
        if pg is not None:
            pg.stop()
    print(f"\n{total:,} households ({dibao:,} below the standard by the SQL income test)\n")
    print("|                          | worker path | SQL reference |")
    print("| ------------------------ | ----------- | ------------- |")
    print(f"| seconds                  | {worker_s:11.1f} | {sql_s:13.1f} |")
    print(f"| households/s             | {total / worker_s:11,.0f} | {total / sql_s:13,.0f} |")
    print(f"| decisions written        | {decided:11,} | {'—':>13} |")
    print(f"| worker peak RSS (MB)     | {rss_kb / 1024:11.0f} | {'—':>13} |")
    print(f"\nratio worker time / SQL time: {worker_s / sql_s:.1f}x (goal: within 3x)")


if __name__ == "__main__":
    main()
