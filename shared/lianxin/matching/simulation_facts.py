"""The lean facts path of a what-if simulation (issue 14): a partition's raw ledger rows streamed with
binary COPY straight into numpy (one array per column), reduced per household and per member in numpy,
evaluated column-wise.

A re-match needs each household's fingerprint (the canonical JSON of every fact, hashed) to skip the
unchanged ones, and writes a trace; a simulation needs neither: it only counts. So instead of the
re-match's per-household aggregate (four grouped joins and the JSON in PostgreSQL), it reads each table
once, as narrow fixed-width columns (ids, codes and integers; no text), and does the sums itself:
`np.add.at` on int64 is exact, and each row is clipped at 10^15 fen before it is added (values are
never negative), so a sum reaches 10^15 exactly when the true sum does. Those households (and those
with more than 62 members, more than 9,000 rows in one table, or a birth date of ±infinity) are left
to the exact engine, as on the re-match path. What comes out is the very
`lianxin.eligibility.vector.Columns` the re-match evaluates (members in position order, incomes
attached by position), so `vector.evaluate` decides them.

Reads: one statement per table (`copy_arrays`: one row of arrays), restricted to the partition's id
range (and to the listed ids when the range is sparse); rows of households outside the run's target
are dropped in numpy; the current decisions' categories by decision id. The statements run one after
another in the partition's transaction (READ COMMITTED), so an edit committed meanwhile may be seen by
some and not others: a what-if count, not a decision. Nothing here writes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from lianxin.core.db import Connection
from lianxin.eligibility import DibaoParameters
from lianxin.eligibility import vector as v
from lianxin.eligibility.facts import RIGID_KINDS
from lianxin.household.enums import ExpenditureKind

Array = npt.NDArray[Any]

BIG: Final = 10**15  # a sum at or past this many fen goes to the exact engine (as on the re-match path)
MAX_ROWS: Final = 9_000  # rows of one table per household: 9,000 × 10^15 stays inside int64
_HEADER: Final = b"PGCOPY\n\xff\r\n\x00"
_EPOCH: Final = 10_957  # days from 1970-01-01 to 2000-01-01 (binary COPY dates count from 2000)
_INFINITE: Final = (2**31 - 1, -(2**31))  # binary COPY's 'infinity' and '-infinity' dates

# member code: health (1 DISABILITY_SEVERE, 2 CRITICAL_ILLNESS, else 0) + 4 when the wage deduction applies
_MEMBERS: Final = """
SELECT household_id, position, birth_date,
       ((CASE health WHEN 'DISABILITY_SEVERE' THEN 1 WHEN 'CRITICAL_ILLNESS' THEN 2 ELSE 0 END)
        + (CASE WHEN employment IN ('EMPLOYED', 'FLEXIBLE') THEN 4 ELSE 0 END))::smallint
FROM member WHERE {where}"""
# income kind: 1 WAGE, 2 EXEMPT (not counted), 0 every other (counted); position -1: the household's
_INCOMES: Final = """
SELECT household_id, coalesce(member_position, -1),
       (CASE kind WHEN 'WAGE' THEN 1 WHEN 'EXEMPT' THEN 2 ELSE 0 END)::smallint, monthly_fen
FROM income WHERE {where}"""
_EXPENDITURE_KINDS: Final = ("MEDICAL", "EDUCATION", "OTHER_RIGID", "ACCIDENT_LOSS")
_EXPENDITURES: Final = """
SELECT household_id, (CASE kind {cases} ELSE -1 END)::smallint, annual_fen
FROM expenditure WHERE {where}"""
_ASSET_KINDS: Final = ("DEPOSIT", "SECURITIES", "VEHICLE", "HOUSE", "BUSINESS")
_ASSETS: Final = """
SELECT household_id, (CASE kind {cases} ELSE -1 END)::smallint, value_fen, count
FROM asset WHERE {where}"""
# exclusions as vector.EXCLUSIONS' bit mask
_EXCLUSION_BITS: Final = " + ".join(
    f"{1 << i} * ('{e}' = ANY(exclusions))::int" for i, e in enumerate(v.EXCLUSIONS)
)
_HOUSEHOLDS: Final = (
    "SELECT id, major_event_casualty, (" + _EXCLUSION_BITS + ")::int FROM household WHERE {where}"
)
# the current decision: its id and outcome (index into vector.OUTCOMES) …
_CURRENT: Final = """
SELECT household_id, decision_id, coalesce(array_position(ARRAY[{outcomes}], outcome) - 1, -1)::smallint
FROM household_eligibility WHERE {where}""".replace("{outcomes}", ", ".join(f"'{o}'" for o in v.OUTCOMES))
# … and its category (index into vector.CATEGORIES), read by decision id: a range when the partition's
# current decisions were written together (by one run, in household order), else by the listed ids
_CATEGORIES: Final = """
SELECT id, coalesce(array_position(ARRAY[{categories}], suggested_category), 0)::smallint
FROM eligibility_decision WHERE id BETWEEN $1 AND $2 {listed}""".replace(
    "{categories}", ", ".join(f"'{c}'" for c in v.CATEGORIES[1:])
)

HOUSEHOLD_ROW: Final = [("id", ">i8", 8), ("cas", "u1", 1), ("exc", ">i4", 4)]
MEMBER_ROW: Final = [("h", ">i8", 8), ("pos", ">i4", 4), ("born", ">i4", 4), ("code", ">i2", 2)]
INCOME_ROW: Final = [("h", ">i8", 8), ("pos", ">i4", 4), ("kind", ">i2", 2), ("fen", ">i8", 8)]
EXPENDITURE_ROW: Final = [("h", ">i8", 8), ("kind", ">i2", 2), ("fen", ">i8", 8)]
ASSET_ROW: Final = [("h", ">i8", 8), ("kind", ">i2", 2), ("value", ">i8", 8), ("count", ">i4", 4)]
CURRENT_ROW: Final = [("h", ">i8", 8), ("decision", ">i8", 8), ("outcome", ">i2", 2)]
CATEGORY_ROW: Final = [("decision", ">i8", 8), ("category", ">i2", 2)]


def _cases(kinds: tuple[str, ...]) -> str:
    return " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(kinds))


Table = dict[str, Array]  # a table's rows as one array per column (big-endian views of the COPY data)


@dataclass(frozen=True, slots=True)
class Raw:
    """A partition's rows as read (in no particular order)."""

    ids: Array  # the target's household ids, sorted, int64
    households: Table
    members: Table
    incomes: Table
    expenditures: Table
    assets: Table
    current: Table
    categories: Table


def _rows(t: Table) -> int:
    return len(next(iter(t.values())))


async def copy_arrays(
    conn: Connection, query: str, columns: list[tuple[str, str, int]], *args: object
) -> Table:
    """The rows of `query` as one array per column. PostgreSQL sends them as one row of arrays
    (`array_agg` of each column, in one aggregate pass, so in the same row order): binary COPY sends
    each row as its own message, and parsing millions of small messages would be the Python side's
    largest cost; one array per column is one message, read with no copy."""
    names = ", ".join(f"c{k}" for k in range(len(columns)))
    aggregated = ", ".join(f"array_agg(c{k})" for k in range(len(columns)))
    chunks: list[bytes] = []

    async def sink(chunk: bytes) -> None:
        chunks.append(chunk)

    await conn.copy_from_query(
        f"SELECT {aggregated} FROM ({query}) AS x({names})", *args, output=sink, format="binary"
    )
    data = b"".join(chunks)
    assert data[:11] == _HEADER, "not a binary COPY stream"
    (extension,) = struct.unpack_from(">i", data, 15)
    at = 19 + extension
    (fields,) = struct.unpack_from(">h", data, at)
    assert fields == len(columns), "unexpected column count in a binary COPY row"
    at += 2
    table: Table = {}
    for name, kind, width in columns:
        (length,) = struct.unpack_from(">i", data, at)
        at += 4
        if length < 0:  # array_agg of no rows
            table[name] = np.zeros(0, dtype=kind)
            continue
        ndim, has_null = struct.unpack_from(">ii", data, at)
        if has_null:
            raise ValueError("unexpected NULL in a binary COPY array")
        count = struct.unpack_from(">i", data, at + 12)[0] if ndim else 0
        start = at + 12 + 8 * ndim
        element = np.dtype([("length", ">i4"), ("value", kind)])
        assert element.itemsize == 4 + width
        values = np.frombuffer(data, dtype=element, count=count, offset=start)
        if count and not (values["length"] == width).all():
            raise ValueError("unexpected element width in a binary COPY array")
        table[name] = values["value"]
        at += length
    return table


async def read_partition(conn: Connection, ids: list[int], lo: int, hi: int) -> Raw:
    """Every row the rules read of households `ids` (all within lo … hi), one statement per table."""
    wanted = np.asarray(sorted(ids), dtype=np.int64)
    args: tuple[object, ...] = (lo, hi)
    where = "{col} BETWEEN $1 AND $2"
    if len(wanted) * 2 < hi - lo + 1:  # sparse in its range: read only its households
        where += " AND {col} = ANY($3::bigint[])"
        args = (lo, hi, wanted.tolist())

    async def rows(query: str, columns: list[tuple[str, str, int]], col: str = "household_id") -> Table:
        return await copy_arrays(conn, query.format(where=where.format(col=col)), columns, *args)

    current = await rows(_CURRENT, CURRENT_ROW)
    return Raw(
        ids=wanted,
        households=await rows(_HOUSEHOLDS, HOUSEHOLD_ROW, "id"),
        members=await rows(_MEMBERS, MEMBER_ROW),
        incomes=await rows(_INCOMES, INCOME_ROW),
        expenditures=await rows(
            _EXPENDITURES.replace("{cases}", _cases(_EXPENDITURE_KINDS)), EXPENDITURE_ROW
        ),
        assets=await rows(_ASSETS.replace("{cases}", _cases(_ASSET_KINDS)), ASSET_ROW),
        current=current,
        categories=await _categories(conn, current["decision"].astype(np.int64)),
    )


async def _categories(conn: Connection, decisions: Array) -> Table:
    """(decision id, category) of these decisions, and maybe of others in their id range."""
    if not len(decisions):
        return {"decision": np.zeros(0, dtype=np.int64), "category": np.zeros(0, dtype=np.int64)}
    lo, hi = int(decisions.min()), int(decisions.max())
    if len(decisions) * 2 >= hi - lo + 1:
        return await copy_arrays(conn, _CATEGORIES.format(listed=""), CATEGORY_ROW, lo, hi)
    listed = _CATEGORIES.format(listed="AND id = ANY($3::bigint[])")
    return await copy_arrays(conn, listed, CATEGORY_ROW, lo, hi, np.sort(decisions).tolist())


@dataclass(frozen=True, slots=True)
class Facts:
    """A partition's households: the columns of those the vector path decides, the ids the exact
    engine must decide, and each vectorised household's current outcome (-1: none) and category."""

    columns: v.Columns
    ids: Array  # of the vectorised households, sorted
    exact_ids: list[int]
    before: Array
    before_category: Array


class _Owners:
    """Household ids → their index in the sorted target ids (-1: not a target household): a direct
    table over the id range when the ids are dense in it, else a binary search."""

    def __init__(self, ids: Array) -> None:
        self.ids = ids
        self.lo = int(ids[0]) if len(ids) else 0
        span = int(ids[-1]) - self.lo + 1 if len(ids) else 0
        self.table: Array | None = None
        if span <= 4 * len(ids) + 1024:
            self.table = np.full(span + 1, -1, dtype=np.int64)  # the last slot: every id out of range
            self.table[ids - self.lo] = np.arange(len(ids), dtype=np.int64)

    def __call__(self, h: Array) -> Array:
        if not len(self.ids):
            return np.full(len(h), -1, dtype=np.int64)
        if self.table is not None:
            offset = h - self.lo
            outside = (offset < 0) | (offset >= len(self.table) - 1)
            found: Array = self.table[np.where(outside, len(self.table) - 1, offset)]
            return found
        position = np.minimum(np.searchsorted(self.ids, h), len(self.ids) - 1)
        return np.where(self.ids[position] == h, position, -1)


def _clip(values: Array) -> Array:
    return np.minimum(values, BIG)


def _per_household(owner: Array, values: Array, size: int) -> Array:
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, owner, values)
    return out


def _ages(born: Array, as_of: date) -> Array:
    """Completed years on `as_of` of birth dates given as days from 2000-01-01 (finite): computed once
    per day of the range the dates span, then looked up."""
    if not len(born):
        return np.zeros(0, dtype=np.int64)
    first = int(born.min())
    days = np.arange(first, int(born.max()) + 1, dtype=np.int64)
    ages: Array = _ages_of_days(days, as_of)[born - first]
    return ages


def _ages_of_days(born: Array, as_of: date) -> Array:
    day = (born + _EPOCH).astype("datetime64[D]")
    month_start = day.astype("datetime64[M]")
    year = day.astype("datetime64[Y]").astype(np.int64) + 1970
    month = month_start.astype(np.int64) % 12 + 1
    dom = (day - month_start).astype(np.int64) + 1
    before_birthday = (as_of.month < month) | ((as_of.month == month) & (as_of.day < dom))
    result: Array = as_of.year - year - before_birthday
    return result


def reduce_partition(raw: Raw, as_of: date) -> Facts:
    """The partition's rows reduced to `vector.Columns` (what `partition_households` and
    `partition_members` compute in the database for a re-match), and the households left to the exact
    engine."""
    ids = raw.ids
    H = len(ids)
    owners = _Owners(ids)
    too_many = np.zeros(H, dtype=bool)

    def mine(rows: Table, *fields: str) -> tuple[Array, list[Array]]:
        """Each row's household index and the `fields` (int64), of the rows of target households."""
        owner = owners(rows["h"].astype(np.int64))
        values = [rows[name].astype(np.int64) for name in fields]
        found = owner >= 0
        if not found.all():
            owner, values = owner[found], [value[found] for value in values]
        too_many[np.bincount(owner, minlength=H) >= MAX_ROWS] = True
        return owner, values

    # households: their own v2 facts
    position = owners(raw.households["id"].astype(np.int64))
    found = position >= 0
    casualty = np.zeros(H, dtype=bool)
    exclusions = np.zeros(H, dtype=np.int64)
    casualty[position[found]] = raw.households["cas"][found] != 0
    exclusions[position[found]] = raw.households["exc"][found]

    # members, in (household, position) order
    m_owner, (m_pos, born, code) = mine(raw.members, "pos", "born", "code")
    m_key = m_owner << 32 | m_pos
    if len(m_key) and not (m_key[1:] > m_key[:-1]).all():
        order = np.argsort(m_key, kind="stable")
        m_owner, m_key, born, code = m_owner[order], m_key[order], born[order], code[order]
    n = np.bincount(m_owner, minlength=H).astype(np.int64)
    infinite = (born == _INFINITE[0]) | (born == _INFINITE[1])
    odd_birth = np.zeros(H, dtype=bool)
    odd_birth[m_owner[infinite]] = True
    m_age = _ages(np.where(infinite, 0, born), as_of)

    # incomes: T, and each member's own (counted) and WAGE income, attached by position
    i_owner, (i_pos, kind, fen) = mine(raw.incomes, "pos", "kind", "fen")
    fen = _clip(fen)
    counted = kind != 2
    income = _per_household(i_owner[counted], fen[counted], H)
    m_own = np.zeros(len(m_key), dtype=np.int64)
    m_wage = np.zeros(len(m_key), dtype=np.int64)
    attached = counted & (i_pos >= 0)
    if len(m_key) and attached.any():
        key = i_owner[attached] << 32 | i_pos[attached]
        j = np.minimum(np.searchsorted(m_key, key), len(m_key) - 1)
        hit = m_key[j] == key
        values = fen[attached][hit]
        np.add.at(m_own, j[hit], values)
        wage = kind[attached][hit] == 1
        np.add.at(m_wage, j[hit][wage], values[wage])

    # expenditures: R_year, MEDICAL, ACCIDENT_LOSS
    e_owner, (e_kind, e_fen) = mine(raw.expenditures, "kind", "fen")
    e_fen = _clip(e_fen)
    rigid = np.isin(e_kind, [_EXPENDITURE_KINDS.index(str(k)) for k in RIGID_KINDS])
    rigid_year = _per_household(e_owner[rigid], e_fen[rigid], H)
    medical_rows = e_kind == _EXPENDITURE_KINDS.index(ExpenditureKind.MEDICAL)
    medical = _per_household(e_owner[medical_rows], e_fen[medical_rows], H)
    loss_rows = e_kind == _EXPENDITURE_KINDS.index("ACCIDENT_LOSS")
    losses = _per_household(e_owner[loss_rows], e_fen[loss_rows], H)

    # assets: savings, the most valuable vehicle, houses, business
    a_owner, (a_kind, a_value, a_count) = mine(raw.assets, "kind", "value", "count")
    a_value = _clip(a_value)
    worth = _clip(a_value * np.minimum(a_count, 1_000))  # count ≤ 1,000 by the table's CHECK
    saving_rows = (a_kind == 0) | (a_kind == 1)
    savings = _per_household(a_owner[saving_rows], worth[saving_rows], H)
    vehicle = np.zeros(H, dtype=np.int64)
    vehicle_rows = a_kind == 2
    np.maximum.at(vehicle, a_owner[vehicle_rows], a_value[vehicle_rows])
    house_rows = a_kind == 3
    houses = _per_household(a_owner[house_rows], _clip(a_count[house_rows]), H)
    business_rows = a_kind == 4
    business = _per_household(a_owner[business_rows], worth[business_rows], H)

    big = income
    for figure in (rigid_year, medical + losses, savings, vehicle, houses, business):
        big = np.maximum(big, figure)
    exact = (n > v.MAX_MEMBERS) | (big >= BIG) | too_many | odd_birth

    # the current decisions
    c_owner, (decision, outcome) = mine(raw.current, "decision", "outcome")
    before = np.full(H, -1, dtype=np.int64)
    before[c_owner] = outcome
    before_category = np.zeros(H, dtype=np.int64)
    if _rows(raw.categories) and len(decision):
        ids_read = raw.categories["decision"].astype(np.int64)
        order = np.argsort(ids_read, kind="stable")
        ids_read, category = ids_read[order], raw.categories["category"].astype(np.int64)[order]
        j = np.minimum(np.searchsorted(ids_read, decision), len(ids_read) - 1)
        hit = ids_read[j] == decision
        before_category[c_owner[hit]] = category[j[hit]]

    keep = ~exact
    member_keep = keep[m_owner]
    renumber = np.cumsum(keep) - 1
    columns = v.Columns(
        n=n[keep],
        income=income[keep],
        rigid_year=rigid_year[keep],
        medical=medical[keep],
        losses=losses[keep],
        savings=savings[keep],
        vehicle=vehicle[keep],
        houses=houses[keep],
        business=business[keep],
        casualty=casualty[keep],
        exclusions=exclusions[keep],
        m_household=renumber[m_owner[member_keep]],
        m_age=m_age[member_keep],
        m_health=(code & 3)[member_keep],
        m_deducted=(code & 4)[member_keep] != 0,
        m_wage=m_wage[member_keep],
        m_own=m_own[member_keep],
    )
    return Facts(
        columns=columns,
        ids=ids[keep],
        exact_ids=ids[exact].tolist(),
        before=before[keep],
        before_category=before_category[keep],
    )


def take(c: v.Columns, rows: Array) -> v.Columns:
    """The households `rows` (a boolean mask) of `c`, with their members."""
    member_rows = rows[c.m_household]
    renumber = np.cumsum(rows) - 1
    return v.Columns(
        n=c.n[rows],
        income=c.income[rows],
        rigid_year=c.rigid_year[rows],
        medical=c.medical[rows],
        losses=c.losses[rows],
        savings=c.savings[rows],
        vehicle=c.vehicle[rows],
        houses=c.houses[rows],
        business=c.business[rows],
        casualty=c.casualty[rows],
        exclusions=c.exclusions[rows],
        m_household=renumber[c.m_household[member_rows]],
        m_age=c.m_age[member_rows],
        m_health=c.m_health[member_rows],
        m_deducted=c.m_deducted[member_rows],
        m_wage=c.m_wage[member_rows],
        m_own=c.m_own[member_rows],
    )


def int64_groups(c: v.Columns, params: DibaoParameters) -> list[Array]:
    """Households as boolean masks, most of them in one group whose figures keep `vector.evaluate` on
    int64 and the rare very large ones apart (evaluated on Python ints, as `evaluate` decides itself):
    one household with a fortune must not slow the whole partition down."""
    pol = v.Policy.of(params)
    big = max(max(pair) for pair in pol.rationals())
    scale = 64 * v.MAX_MEMBERS * 12 * max(pol.rate[1], 1) * max(pol.supplement_den, 1) * big * big
    cap = (2**62 - 1) // scale
    money = np.maximum(np.maximum(c.income, c.rigid_year), np.maximum(c.medical + c.losses, c.savings))
    large = money > cap
    if not large.any():
        return [np.ones(len(c), dtype=bool)]
    return [~large, large]
