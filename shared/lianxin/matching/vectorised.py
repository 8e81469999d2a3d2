"""A run's partition decided column-wise (issue 14): facts read set-based, fingerprints compared in the
database before anything is evaluated, RULES.md evaluated with numpy (lianxin.eligibility.vector), the
decisions written with COPY and one INSERT … SELECT, their trace kept as structured figures.

Why numpy: the rules are a dozen integer comparisons and sums per household; numpy gives exact int64
column arithmetic (and object arrays of Python ints for the rare overflow) with no new runtime beyond a
single wheel, while polars/pandas would bring a second in-memory model and decimal/float semantics we
would have to avoid. The heavy lifting (joins, sums, the canonical JSON and sha256 of each fingerprint)
is PostgreSQL's; Python touches only the households whose inputs changed.

Per partition, inside the run's transaction (every table read by the partition's id range, so a partition
costs the same at any population size):
1. lock the partition's ACTIVE households (as the one-household path does: a concurrent change waits);
2. `partition_households` (binary COPY → numpy): per household the sums the rules read and its
   fingerprint under the governing policy; only those whose policy or fingerprint changed come back;
3. `partition_members` for those; `evaluate` per policy; households the vectorised path leaves aside
   (`exact`: more than 62 members, sums past 10^15 fen) go through `service.decide_households`;
4. COPY the decisions into a temp table and `write_staged_decisions`: decisions, current decisions,
   `eligibility.decided` events in one statement; referrals opened or withdrawn as the exact path does.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from lianxin.core.db import Connection
from lianxin.core.ids import to_global_id
from lianxin.eligibility import ENGINE_VERSION, RULES_VERSION, DibaoParameters
from lianxin.eligibility import vector as v
from lianxin.eligibility.facts import _canonical_parameters_json
from lianxin.matching import repository as repo
from lianxin.matching.service import BatchResult, PolicyCache, decide_households
from lianxin.policy.models import DibaoPolicy
from lianxin.referral.service import DecidedHousehold, follow_decisions

_HEADER: Final = b"PGCOPY\n\xff\r\n\x00"
WORK_MEM: Final = "64MB"
# Per partition (SET LOCAL, so only for its transaction): its sorts (members in order, the staged decisions)
# fit in memory, not on disk; no parallel workers, whose start-up costs more than a partition's scans
# save (the run's parallelism is its workers, each on its own partition).
_PARTITION_SETTINGS: Final = (
    f"SET LOCAL work_mem = '{WORK_MEM}'; SET LOCAL max_parallel_workers_per_gather = 0"
)
# (name, numpy type, bytes) of each column of partition_households and
# partition_members, in order
HOUSEHOLD_COLUMNS: Final = [
    ("id", ">i8", 8),
    ("slot", ">i4", 4),
    ("n", ">i4", 4),
    ("t", ">i8", 8),
    ("ry", ">i8", 8),
    ("med", ">i8", 8),
    ("los", ">i8", 8),
    ("sav", ">i8", 8),
    ("veh", ">i8", 8),
    ("hou", ">i8", 8),
    ("bus", ">i8", 8),
    ("cas", "u1", 1),
    ("exc", ">i4", 4),
    ("exact", "u1", 1),
    ("cur_outcome", ">i2", 2),
    ("cur_category", ">i2", 2),
    ("fp", "S64", 64),
]
MEMBER_COLUMNS: Final = [
    ("household_id", ">i8", 8),
    ("age", ">i4", 4),
    ("health", ">i2", 2),
    ("deducted", "u1", 1),
    ("wage", ">i8", 8),
    ("own", ">i8", 8),
]
STAGE_COLUMNS: Final = [
    "household_id",
    "policy_id",
    "fingerprint",
    "outcome",
    "counted_income_fen",
    "per_capita_income_fen",
    "standard_fen",
    "monthly_benefit_fen",
    "suggested_category",
    "single_person_members",
    "trace",
    "category_income_fen",
    "rules_version",
    "subject_id",
    "policy_gid",
]


# the trace travels as text (the pool's json codec would quote a string) and is cast in the INSERT
_STAGE: Final = """CREATE TEMP TABLE decision_stage (
    household_id bigint, policy_id bigint, fingerprint text, outcome text, counted_income_fen bigint,
    per_capita_income_fen bigint, standard_fen bigint, monthly_benefit_fen bigint, suggested_category text,
    single_person_members integer[], trace text, category_income_fen bigint, rules_version integer,
    subject_id text, policy_gid text
) ON COMMIT DROP"""


def _dtype(columns: list[tuple[str, str, int]]) -> np.dtype[Any]:
    """A binary COPY tuple of fixed-width NOT NULL columns: field count, then (length, value) each."""
    fields: list[tuple[str, str]] = [("_count", ">i2")]
    for name, kind, _ in columns:
        fields += [(f"_{name}_len", ">i4"), (name, kind)]
    return np.dtype(fields)


async def copy_columns(
    conn: Connection, query: str, columns: list[tuple[str, str, int]], *args: object
) -> npt.NDArray[Any]:
    """Run `query` as binary COPY and read its rows straight into a numpy record array."""
    chunks: list[bytes] = []

    async def sink(chunk: bytes) -> None:
        chunks.append(chunk)

    await conn.copy_from_query(query, *args, output=sink, format="binary")
    data = b"".join(chunks)
    assert data[:11] == _HEADER, "not a binary COPY stream"
    (extension,) = struct.unpack(">i", data[15:19])
    start = 19 + extension
    dtype = _dtype(columns)
    count = (len(data) - start - 2) // dtype.itemsize
    rows = np.frombuffer(data, dtype=dtype, count=count, offset=start)
    if count and not (rows["_count"] == len(columns)).all():
        raise ValueError("unexpected NULL or column count in a binary COPY row")
    return rows


@dataclass(frozen=True, slots=True)
class Slot:
    policy: DibaoPolicy
    params: DibaoParameters


async def _slots(
    conn: Connection, regions: dict[int, str], as_of: date, policies: PolicyCache
) -> tuple[list[str], list[int], list[Slot]]:
    """Each region's governing policy as a slot number (1-based); regions without a policy are left out."""
    region_codes, region_slots, slots = [], [], []
    slot_of: dict[int, int] = {}
    for region in sorted(set(regions.values())):
        governing = await policies.get(region)
        if governing is None:
            continue  # no policy governs this region yet; publishing one re-matches it
        policy, params = governing
        if policy.id not in slot_of:
            slots.append(Slot(policy, params))
            slot_of[policy.id] = len(slots)
        region_codes.append(region)
        region_slots.append(slot_of[policy.id])
    return region_codes, region_slots, slots


async def load_columns(
    conn: Connection, ids: list[int], regions: dict[int, str], *, as_of: date
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], list[Slot]]:
    """The rows of the households among `ids` whose policy or fingerprint changed (`partition_households`,
    read by the id range of `ids`), their members' rows, and the policies (slot k is slots[k - 1])."""
    region_codes, region_slots, slots = await _slots(conn, regions, as_of, PolicyCache(conn, as_of))
    if not slots:
        return np.zeros(0, _dtype(HOUSEHOLD_COLUMNS)), np.zeros(0, _dtype(MEMBER_COLUMNS)), slots
    households = await copy_columns(
        conn,
        repo.Q.partition_households,
        HOUSEHOLD_COLUMNS,
        ids,
        as_of,
        region_codes,
        region_slots,
        [_canonical_parameters_json(s.params) for s in slots],
        [s.params.elderly_age for s in slots],
        [s.policy.id for s in slots],
        ENGINE_VERSION,
        min(ids),
        max(ids),
    )
    wanted = households["id"][households["exact"] == 0].astype(np.int64).tolist()
    members = await member_rows(conn, wanted, as_of)
    return households, members, slots


async def member_rows(conn: Connection, ids: list[int], as_of: date) -> npt.NDArray[Any]:
    if not ids:
        return np.zeros(0, _dtype(MEMBER_COLUMNS))
    # read by the id range of `ids` (index range scans), filtered to `ids`
    return await copy_columns(conn, repo.Q.partition_members, MEMBER_COLUMNS, ids, as_of, min(ids), max(ids))


def columns_of(households: npt.NDArray[Any], members: npt.NDArray[Any]) -> v.Columns:
    """`vector.Columns` of these household rows and the member rows among `members` that are theirs."""
    hid = households["id"].astype(np.int64)
    mh = members["household_id"].astype(np.int64)
    position = np.searchsorted(hid, mh)
    position = np.minimum(position, max(len(hid) - 1, 0))
    mine = (hid[position] == mh) if len(hid) else np.zeros(len(mh), dtype=bool)
    m = members[mine]
    return v.Columns(
        n=households["n"].astype(np.int64),
        income=households["t"].astype(np.int64),
        rigid_year=households["ry"].astype(np.int64),
        medical=households["med"].astype(np.int64),
        losses=households["los"].astype(np.int64),
        savings=households["sav"].astype(np.int64),
        vehicle=households["veh"].astype(np.int64),
        houses=households["hou"].astype(np.int64),
        business=households["bus"].astype(np.int64),
        casualty=households["cas"].astype(bool),
        exclusions=households["exc"].astype(np.int64),
        m_household=position[mine],
        m_age=m["age"].astype(np.int64),
        m_health=m["health"].astype(np.int64),
        m_deducted=m["deducted"].astype(bool),
        m_wage=m["wage"].astype(np.int64),
        m_own=m["own"].astype(np.int64),
    )


def _records(households: npt.NDArray[Any], c: v.Columns, r: v.Result, slot: Slot) -> list[tuple[object, ...]]:
    params = slot.params
    traces = v.figures_json(c, r, json.dumps(v.policy_figures(params), separators=(",", ":")))
    outcomes = [v.OUTCOMES[k].value for k in r.outcome.tolist()]
    categories = [None if k == 0 else v.CATEGORIES[k].value for k in r.category.tolist()]  # type: ignore[union-attr]
    ns = c.n.tolist()
    q = [None if n == 0 else x for n, x in zip(ns, r.category_income.tolist(), strict=True)]
    single = [v.member_indices(mask) if mask else [] for mask in r.single_members.tolist()]
    fps = [fp.decode() for fp in households["fp"].tolist()]
    ids = households["id"].astype(np.int64).tolist()
    return list(
        zip(
            ids,
            [slot.policy.id] * len(ns),
            fps,
            outcomes,
            r.counted_income.tolist(),
            r.per_capita.tolist(),
            [params.standard_monthly_fen] * len(ns),
            r.benefit.tolist(),
            categories,
            single,
            traces,
            q,
            [RULES_VERSION] * len(ns),
            [to_global_id("Household", i) for i in ids],
            [to_global_id("DibaoPolicy", slot.policy.id)] * len(ns),
            strict=True,
        )
    )


async def decide_partition(
    conn: Connection, ids: list[int], *, as_of: date, run_id: int | None
) -> BatchResult:
    """Decide the ACTIVE households among `ids` whose inputs or policy changed, in the caller's
    transaction; the same decisions, events and referrals as `service.decide_households`."""
    if not ids:
        return BatchResult(0, 0, 0, 0)
    await conn.execute(_PARTITION_SETTINGS)
    rows = await conn.fetch(repo.Q.lock_active_range, ids, min(ids), max(ids))
    regions: dict[int, str] = {r["id"]: r["region_code"] for r in rows}
    if not regions:
        return BatchResult(0, 0, 0, 0)
    households, members, slots = await load_columns(conn, list(regions), regions, as_of=as_of)
    exact = households["exact"] != 0
    records: list[tuple[object, ...]] = []
    vectorised = households[~exact]
    for k, slot in enumerate(slots, start=1):
        rows = vectorised[vectorised["slot"] == k]
        if len(rows):
            c = columns_of(rows, members)
            records += _records(rows, c, v.evaluate(c, slot.params), slot)
    decided = opened = withdrawn = 0
    if records:
        await conn.execute(_STAGE)
        await conn.copy_records_to_table("decision_stage", records=records, columns=STAGE_COLUMNS)
        staged = [int(str(r[0])) for r in records]
        # cur_outcome -1: no current decision (read under the household locks this transaction holds)
        updated = vectorised["id"][vectorised["cur_outcome"] >= 0].astype(np.int64).tolist()
        follow = await conn.fetch(
            repo.Q.write_staged_decisions, as_of, run_id, min(staged), max(staged), updated
        )
        await conn.execute("DROP TABLE decision_stage")
        opened, withdrawn = await follow_decisions(
            conn,
            [
                DecidedHousehold(r["household_id"], r["region_code"], r["eligible"], r["decision_id"])
                for r in follow
            ],
        )
        decided = len(records)
    if exact.any():
        rest = await decide_households(
            conn, households["id"][exact].astype(np.int64).tolist(), as_of=as_of, run_id=run_id
        )
        decided += rest.decided
        opened += rest.referrals_opened
        withdrawn += rest.referrals_withdrawn
    return BatchResult(len(regions), decided, opened, withdrawn)
