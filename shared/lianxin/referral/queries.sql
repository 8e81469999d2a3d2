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
-- $1 agency id or NULL, $2 status or NULL, $3 after id, $4 limit; the caller's scope, each NULL for no
-- limit: $5 union root, $6 region prefix and $7 actively paired sponsor of the household, $8 an agency
-- whose referrals are in scope whatever the region (a civil-affairs caller's own). The region and the
-- agency are alternatives (a NULL region with an agency means "only the agency's", not "no limit"), so
-- the region is tested here, next to the agency, rather than in lianxin_households_in_scope.
SELECT r.* FROM referral r JOIN lianxin_households_in_scope($5, NULL, $7) h ON h.id = r.household_id
WHERE ($1::bigint IS NULL OR r.agency_id = $1) AND ($2::text IS NULL OR r.status = $2)
  AND (($6::text IS NULL AND $8::bigint IS NULL) OR h.region_code LIKE $6 || '%' OR r.agency_id = $8)
  AND r.id > $3 /*keyset*/
ORDER BY r.id /*keyset*/ LIMIT $4;

-- name: count_referrals
SELECT count(*) FROM referral r JOIN lianxin_households_in_scope($3, NULL, $5) h ON h.id = r.household_id
WHERE ($1::bigint IS NULL OR r.agency_id = $1) AND ($2::text IS NULL OR r.status = $2)
  AND (($4::text IS NULL AND $6::bigint IS NULL) OR h.region_code LIKE $4 || '%' OR r.agency_id = $6);
