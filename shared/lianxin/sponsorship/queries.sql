-- name: get_sponsorship
SELECT * FROM sponsorship WHERE id = $1;

-- name: lock_sponsorship
SELECT * FROM sponsorship WHERE id = $1 FOR UPDATE;

-- name: list_sponsorships_by_ids
SELECT * FROM sponsorship WHERE id = ANY($1::bigint[]);

-- name: list_sponsorships_by_household_ids
SELECT * FROM sponsorship WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, started_on, id;

-- name: find_open_pair
SELECT id FROM sponsorship WHERE household_id = $1 AND sponsor_id = $2 AND ended_on IS NULL;

-- name: list_sponsorships_page
-- $1 active filter or NULL, $2 sponsor id or NULL, $3 after id, $4 limit; the caller's scope: $5 union
-- root and $6 region prefix of the household, $7 the pairing's sponsor, each NULL for no limit
SELECT p.* FROM sponsorship p JOIN lianxin_households_in_scope($5, $6, NULL) h ON h.id = p.household_id
WHERE ($1::boolean IS NULL OR (p.ended_on IS NULL) = $1) AND ($2::bigint IS NULL OR p.sponsor_id = $2)
  AND ($7::bigint IS NULL OR p.sponsor_id = $7)
  AND p.id > $3 /*keyset*/
ORDER BY p.id /*keyset*/ LIMIT $4;

-- name: count_sponsorships
SELECT count(*) FROM sponsorship p JOIN lianxin_households_in_scope($3, $4, NULL) h ON h.id = p.household_id
WHERE ($1::boolean IS NULL OR (p.ended_on IS NULL) = $1) AND ($2::bigint IS NULL OR p.sponsor_id = $2)
  AND ($5::bigint IS NULL OR p.sponsor_id = $5);

-- name: insert_sponsorship
INSERT INTO sponsorship (household_id, sponsor_id, started_on) VALUES ($1, $2, $3) RETURNING *;

-- name: end_sponsorship
UPDATE sponsorship SET ended_on = $2, end_reason = $3 WHERE id = $1 RETURNING *;

-- name: list_sponsorships_with_sponsors_by_household_ids
-- list_sponsorships_by_household_ids with each pairing's sponsor (every column of both, in the models'
-- field order: `repository.sponsorships_with_sponsors_part`), one row per pairing
SELECT s.id, s.household_id, s.sponsor_id, s.started_on, s.ended_on, s.end_reason,
       o.id, o.name, o.credit_code, o.kind, o.union_id, o.region_code, o.created_at
FROM sponsorship s JOIN organization o ON o.id = s.sponsor_id
WHERE s.household_id = ANY($1::bigint[]) ORDER BY s.household_id, s.started_on, s.id;
