-- name: get_cooperative
SELECT * FROM cooperative WHERE id = $1;

-- name: lock_cooperative
-- Serialises member additions, so two concurrent joins cannot both fit under land_mu.
SELECT * FROM cooperative WHERE id = $1 FOR UPDATE;

-- name: list_cooperatives_by_ids
SELECT * FROM cooperative WHERE id = ANY($1::bigint[]);

-- name: find_cooperative_by_name
SELECT id FROM cooperative WHERE region_code = $1 AND lower(btrim(name)) = lower(btrim($2));

-- name: list_cooperatives_page
-- $1 after id, $2 limit; $3 the caller's union root (the cooperative's union in its subtree) or NULL
SELECT * FROM cooperative
WHERE ($3::bigint IS NULL OR union_id IN (SELECT id FROM lianxin_unions_in_subtree($3)))
  AND id > $1 /*keyset*/
ORDER BY id /*keyset*/ LIMIT $2;

-- name: count_cooperatives
SELECT count(*) FROM cooperative
WHERE ($1::bigint IS NULL OR union_id IN (SELECT id FROM lianxin_unions_in_subtree($1)));

-- name: insert_cooperative
INSERT INTO cooperative (name, village, region_code, led_by_party_branch, land_mu, chair_name, founded_on, union_id)
VALUES (btrim($1), btrim($2), $3, $4, $5, $6, $7, $8)
RETURNING *;

-- name: union_region
-- The cooperative domain sits beside trade_union and below household (STYLE.md), so it reads the
-- one column it needs itself rather than importing their repositories.
SELECT region_code FROM trade_union WHERE id = $1;

-- name: household_exists
SELECT EXISTS (SELECT 1 FROM household WHERE id = $1);

-- name: is_member
SELECT EXISTS (SELECT 1 FROM cooperative_member WHERE cooperative_id = $1 AND household_id = $2);

-- name: total_share_mu
SELECT coalesce(sum(land_share_mu), 0)::numeric(12, 2) FROM cooperative_member WHERE cooperative_id = $1;

-- name: insert_member
INSERT INTO cooperative_member (cooperative_id, household_id, land_share_mu, joined_on)
VALUES ($1, $2, $3, $4)
RETURNING *;

-- name: list_members_by_cooperative_ids
SELECT * FROM cooperative_member
WHERE cooperative_id = ANY($1::bigint[])
ORDER BY cooperative_id, joined_on, household_id;

-- name: insert_asset
INSERT INTO cooperative_asset (cooperative_id, kind, description, count, crop, lessee, annual_rent_fen)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING *;

-- name: list_assets_by_cooperative_ids
SELECT * FROM cooperative_asset WHERE cooperative_id = ANY($1::bigint[]) ORDER BY cooperative_id, id;

-- name: upsert_year
INSERT INTO cooperative_year (cooperative_id, year, income_fen, dividend_fen)
VALUES ($1, $2, $3, $4)
ON CONFLICT (cooperative_id, year) DO UPDATE
SET income_fen = excluded.income_fen, dividend_fen = excluded.dividend_fen
RETURNING *;

-- name: list_years_by_cooperative_ids
SELECT * FROM cooperative_year WHERE cooperative_id = ANY($1::bigint[]) ORDER BY cooperative_id, year;
