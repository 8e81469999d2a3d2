"""Re-matching at scale: the worker path against a set-based SQL reference that writes too, in one run.

    .venv/bin/python benchmarks/eligibility.py            # 1,000,000 households (several minutes)
    .venv/bin/python benchmarks/eligibility.py --n 200000
    .venv/bin/python benchmarks/eligibility.py --n 200000 --only simulation   # (c) alone

Generates N households with COPY (1–4 members, wages, pensions, transfers, some rigid expenditure
and deposits), publishes the demo policy, then times
(a) the SQL reference: one INSERT … SELECT computing the DIBAO income test (counted income with the
    wage deduction, per-capita below the standard) and writing one decision row per household;
(b) a full re-match exactly as workers run it (lianxin.run partitions of --chunk households, each its
    own transaction: facts and fingerprints read set-based, rules evaluated column-wise, decisions,
    current decisions, events and referrals written) by 1 and then by 2 worker processes (decisions
    cleared in between), reporting each worker's peak RSS;
(c) a what-if simulation of a raised standard over every household (nothing written), 1 and 2 workers
    (each worker process working the run's lanes at once, as arq does; lianxin.matching.simulation).
    With `--only simulation` the current decisions it compares against are written set-based first
    (untimed; one per household, a category on the DIBAO ones) instead of by the re-match rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from lianxin.core.db import Connection, connect
from lianxin.core.migrate import migrate
from lianxin.eligibility import DEMO_PARAMETERS
from lianxin_worker.tasks.runs import RUN_LANES

CHUNK = 20_000
# The fair baseline: one set-based statement that reads the same facts and writes one decision row per
# household (the DIBAO income test: counted income with the wage deduction, per-capita below S).
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
), decided AS (
    SELECT h.id, coalesce(c.i, 0) - coalesce(d.d, 0) AS i, m.n
    FROM household h JOIN m ON m.household_id = h.id
    LEFT JOIN counted c ON c.household_id = h.id LEFT JOIN deduction d ON d.household_id = h.id
    WHERE h.status = 'ACTIVE'
)
INSERT INTO eligibility_decision (household_id, policy_id, fingerprint, outcome, counted_income_fen,
    per_capita_income_fen, standard_fen, monthly_benefit_fen, trace, evaluated_on, rules_version)
SELECT id, $1, '', CASE WHEN i / n < 85000 THEN 'DIBAO' ELSE 'NOT_ELIGIBLE' END, round(i), round(i / n),
       85000, CASE WHEN i / n < 85000 THEN round(85000 * n - i) ELSE 0 END, '[]', $2, 2
FROM decided
"""
RESET = "TRUNCATE eligibility_decision, household_eligibility, referral, event CASCADE"
# --only simulation: current decisions to compare against, without the re-match rounds
CURRENT = """
INSERT INTO household_eligibility (household_id, decision_id, policy_id, fingerprint, outcome)
SELECT household_id, id, policy_id, fingerprint, outcome FROM eligibility_decision ORDER BY household_id
"""
CATEGORY = "UPDATE eligibility_decision SET suggested_category = 'DEEP' WHERE outcome = 'DIBAO'"


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


async def sql_reference(url: str) -> tuple[float, int]:
    conn = await connect(url)
    try:
        policy_id = await conn.fetchval("SELECT id FROM dibao_policy")
        started = time.perf_counter()
        status = await conn.execute(SQL_REFERENCE, policy_id, date(2026, 11, 29))
        elapsed = time.perf_counter() - started
        await conn.execute(RESET)
        return elapsed, int(status.split()[-1])
    finally:
        await conn.close()


async def current_decisions(url: str) -> None:
    conn = await connect(url)
    try:
        policy_id = await conn.fetchval("SELECT id FROM dibao_policy")
        await conn.execute(SQL_REFERENCE, policy_id, date(2026, 11, 29))
        await conn.execute(CATEGORY)
        await conn.execute(CURRENT)
        await conn.execute("VACUUM ANALYZE eligibility_decision, household_eligibility")
    finally:
        await conn.close()


async def reset(url: str) -> None:
    conn = await connect(url)
    try:
        await conn.execute(RESET)
        await conn.execute("VACUUM ANALYZE eligibility_decision")
    finally:
        await conn.close()


def workers(url: str, what: str, chunk: int, count: int, lanes: int = 1) -> tuple[float, int, int]:
    """A whole re-match or simulation by `count` worker processes (a re-match worker working `lanes`
    partitions at once): seconds, decisions (or households tallied), the largest peak RSS of one worker
    (KiB)."""
    script = str(Path(__file__).with_name("_rematch.py"))
    out = subprocess.run(
        [sys.executable, script, url, what, str(chunk), str(count), str(lanes)],
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
    parser.add_argument(
        "--chunk", type=int, default=10_000, help="households per run partition (default 10,000)"
    )
    parser.add_argument(
        "--only",
        choices=["all", "simulation"],
        default="all",
        help="simulation: only (c), against current decisions written set-based (default: all)",
    )
    parser.add_argument(
        "--lanes",
        action="store_true",
        help="also time one worker working the run's lanes at once, as a deployed arq worker does with "
        "a run's lane jobs (one more re-match; the ratio and speedup lines read one partition at a time)",
    )
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
        if args.only == "simulation":
            asyncio.run(current_decisions(url))
            sim_one, tallied, sim_rss = workers(url, "simulate", args.chunk, 1)
            sim_two, tallied_two, sim_rss_two = workers(url, "simulate", args.chunk, 2)
            print(f"\nsimulation worker peak RSS: {max(sim_rss, sim_rss_two) / 1024:.0f} MB")
            print(
                f"simulation: {tallied_two:,} households in {sim_two:.1f} s "
                f"(2 workers; 1 worker: {sim_one:.1f} s)"
            )
            assert tallied == tallied_two == args.n
            return
        print("set-based SQL reference (DIBAO income test, one decision row written per household) …")
        sql_s, sql_written = asyncio.run(sql_reference(url))
        print("worker path, 1 worker (partitions decided column-wise; decisions, events, referrals) …")
        one_s, decided, rss_kb = workers(url, "rematch", args.chunk, 1)
        asyncio.run(reset(url))
        print("worker path, 2 workers …")
        two_s, decided_two, rss_two = workers(url, "rematch", args.chunk, 2)
        lanes_s = None
        if args.lanes:
            asyncio.run(reset(url))
            print(f"worker path, 1 worker working {RUN_LANES} lanes at once …")
            lanes_s, decided_lanes, _ = workers(url, "rematch", args.chunk, 1, RUN_LANES)
            assert decided_lanes == decided, (decided_lanes, decided)
        print("simulation (raised standard, nothing written), 1 and 2 workers …")
        sim_one, tallied, sim_rss = workers(url, "simulate", args.chunk, 1)
        sim_two, tallied_two, sim_rss_two = workers(url, "simulate", args.chunk, 2)
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(data, ignore_errors=True)  # the embedded database: gigabytes at 1M
    total = args.n
    print(f"\n{total:,} households\n")
    print("|                          | worker, 1 | workers, 2 | SQL reference |")
    print("| ------------------------ | --------- | ---------- | ------------- |")
    print(f"| seconds                  | {one_s:9.1f} | {two_s:10.1f} | {sql_s:13.1f} |")
    rates = f"{total / one_s:9,.0f} | {total / two_s:10,.0f} | {total / sql_s:13,.0f}"
    print(f"| households/s             | {rates} |")
    print(f"| decisions written        | {decided:9,} | {decided_two:10,} | {sql_written:13,} |")
    print(f"| peak RSS per worker (MB) | {rss_kb / 1024:9.0f} | {rss_two / 1024:10.0f} | {'—':>13} |")
    print(f"\nboth sides wrote decisions: worker {decided:,}, SQL reference {sql_written:,}")
    print(f"ratio worker time / SQL time: {one_s / sql_s:.2f} (1 worker; 2 workers: {two_s / sql_s:.2f})")
    print(f"worker peak RSS: {max(rss_kb, rss_two) / 1024:.0f} MB")
    print(f"workers 1 -> 2 speedup: {one_s / two_s:.2f}")
    if lanes_s is not None:
        print(
            f"1 worker working {RUN_LANES} lanes at once (as deployed): {lanes_s:.1f} s, "
            f"{lanes_s / sql_s:.2f} × the SQL reference ({one_s / lanes_s:.2f} × one lane)"
        )
    print(f"simulation worker peak RSS: {max(sim_rss, sim_rss_two) / 1024:.0f} MB")
    print(f"simulation: {tallied_two:,} households in {sim_two:.1f} s (2 workers; 1 worker: {sim_one:.1f} s)")
    assert tallied == tallied_two == total


if __name__ == "__main__":
    main()
