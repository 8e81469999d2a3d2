-- name: agencies_for_regions
SELECT * FROM agency WHERE region_code = ANY($1::text[]);

-- name: list_agencies
SELECT * FROM agency ORDER BY region_code;

-- name: list_agencies_by_ids
SELECT * FROM agency WHERE id = ANY($1::bigint[]);

-- name: insert_agency
INSERT INTO agency (name, region_code) VALUES (btrim($1), $2) RETURNING *;

-- name: agency_for_region_exists
SELECT id FROM agency WHERE region_code = $1;

-- name: open_referrals_by_household_ids
SELECT * FROM referral WHERE household_id = ANY($1::bigint[]) AND status IN ('SENT', 'RECEIVED', 'INVESTIGATING');

-- name: insert_referrals
INSERT INTO referral (household_id, agency_id, decision_id)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])
RETURNING *;

-- name: withdraw_referrals
UPDATE referral SET status = 'WITHDRAWN', reason = $2, updated_at = now()
WHERE id = ANY($1::bigint[]) RETURNING *;

-- name: lock_referral
SELECT * FROM referral WHERE id = $1 FOR UPDATE;

-- name: set_referral_status
UPDATE referral SET status = $2, reason = $3, updated_at = now() WHERE id = $1 RETURNING *;

-- name: list_referrals_by_ids
SELECT * FROM referral WHERE id = ANY($1::bigint[]);

-- name: list_referrals_by_household_ids
SELECT * FROM referral WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, id DESC;

-- name: list_referrals_page
-- $1 agency id or NULL, $2 status or NULL, $3 after id, $4 limit
SELECT * FROM referral
WHERE ($1::bigint IS NULL OR agency_id = $1) AND ($2::text IS NULL OR status = $2) AND id > $3
ORDER BY id LIMIT $4;

-- name: count_referrals
SELECT count(*) FROM referral WHERE ($1::bigint IS NULL OR agency_id = $1) AND ($2::text IS NULL OR status = $2);
