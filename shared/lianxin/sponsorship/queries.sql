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
-- $1 active filter or NULL, $2 sponsor id or NULL, $3 after id, $4 limit
SELECT * FROM sponsorship
WHERE ($1::boolean IS NULL OR (ended_on IS NULL) = $1) AND ($2::bigint IS NULL OR sponsor_id = $2) AND id > $3
ORDER BY id LIMIT $4;

-- name: count_sponsorships
SELECT count(*) FROM sponsorship
WHERE ($1::boolean IS NULL OR (ended_on IS NULL) = $1) AND ($2::bigint IS NULL OR sponsor_id = $2);

-- name: insert_sponsorship
INSERT INTO sponsorship (household_id, sponsor_id, started_on) VALUES ($1, $2, $3) RETURNING *;

-- name: end_sponsorship
UPDATE sponsorship SET ended_on = $2, end_reason = $3 WHERE id = $1 RETURNING *;
