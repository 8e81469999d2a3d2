-- name: get_household
SELECT id, status, region_code FROM household WHERE id = $1;

-- name: member_household
SELECT household_id FROM member WHERE id = $1;

-- name: insert_disbursement
-- Nothing is returned when the household already has this program's payment for the period.
INSERT INTO aid_disbursement (household_id, program, period, amount_fen, member_id, paid_on, note)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (household_id, program, period) DO NOTHING
RETURNING *;

-- name: list_disbursements_by_ids
SELECT * FROM aid_disbursement WHERE id = ANY($1::bigint[]);

-- name: list_disbursements_by_household_ids
SELECT * FROM aid_disbursement WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, paid_on DESC, id DESC;

-- name: insert_batch
-- $8 $9 $10 the requesting caller's scope (lianxin.access.rules.ListScope; NULL for no limit)
INSERT INTO aid_batch (program, period, amount_fen, region_code, union_id, paid_on, requested_by,
                       scope_union_root, scope_region_prefix, scope_sponsor_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING *;

-- name: list_batches_by_ids
SELECT * FROM aid_batch WHERE id = ANY($1::bigint[]);

-- name: pay_households
-- One batch chunk: pays each household once; those already paid for the period are skipped.
INSERT INTO aid_disbursement (household_id, program, period, amount_fen, paid_on, batch_id)
SELECT h, $2, $3, $4, $5, $6 FROM unnest($1::bigint[]) AS h
ON CONFLICT (household_id, program, period) DO NOTHING
RETURNING household_id, (SELECT region_code FROM household WHERE id = household_id) AS region_code;

-- name: union_exists
-- $2 the caller's union root or NULL: a union outside its subtree does not exist for it
SELECT EXISTS (SELECT 1 FROM lianxin_unions_in_subtree($2) WHERE id = $1);

-- name: aid_totals
-- $1 program or NULL, $2 period prefix ('2026' matches 2026, 2026Q4, 2026-11 …) or NULL; $3 $4 $5 the
-- caller's scope (union root, region prefix, actively paired sponsor of the household; NULL: no limit).
SELECT d.program, d.period, count(*)::integer AS households, coalesce(sum(d.amount_fen), 0)::bigint AS amount_fen
FROM aid_disbursement d JOIN lianxin_households_in_scope($3, $4, $5) h ON h.id = d.household_id
WHERE ($1::text IS NULL OR d.program = $1) AND ($2::text IS NULL OR d.period LIKE $2 || '%')
GROUP BY d.program, d.period
ORDER BY d.program, d.period;

-- name: list_disbursements_page
-- $1 household id or NULL, $2 program or NULL, $3 period prefix or NULL, $4 after id, $5 limit; $6 $7 $8
-- the caller's scope (union root, region prefix, actively paired sponsor of the household; NULL: no limit)
SELECT d.* FROM aid_disbursement d JOIN lianxin_households_in_scope($6, $7, $8) h ON h.id = d.household_id
WHERE ($1::bigint IS NULL OR d.household_id = $1) AND ($2::text IS NULL OR d.program = $2)
  AND ($3::text IS NULL OR d.period LIKE $3 || '%') AND d.id > $4 /*keyset*/
ORDER BY d.id /*keyset*/ LIMIT $5;

-- name: count_disbursements
SELECT count(*) FROM aid_disbursement d JOIN lianxin_households_in_scope($4, $5, $6) h ON h.id = d.household_id
WHERE ($1::bigint IS NULL OR d.household_id = $1) AND ($2::text IS NULL OR d.program = $2)
  AND ($3::text IS NULL OR d.period LIKE $3 || '%');
