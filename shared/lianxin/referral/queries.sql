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
-- whose referrals are in scope whatever the region (a civil-affairs caller's own)
SELECT r.* FROM referral r JOIN household h ON h.id = r.household_id
WHERE ($1::bigint IS NULL OR r.agency_id = $1) AND ($2::text IS NULL OR r.status = $2)
  AND ($5::bigint IS NULL OR h.union_id IN (SELECT id FROM trade_union WHERE path @> ARRAY[$5::bigint]))
  AND (($6::text IS NULL AND $8::bigint IS NULL) OR h.region_code LIKE $6 || '%' OR r.agency_id = $8)
  AND ($7::bigint IS NULL OR EXISTS (
      SELECT 1 FROM sponsorship s WHERE s.household_id = h.id AND s.sponsor_id = $7 AND s.ended_on IS NULL))
  AND r.id > $3
ORDER BY r.id LIMIT $4;

-- name: count_referrals
SELECT count(*) FROM referral r JOIN household h ON h.id = r.household_id
WHERE ($1::bigint IS NULL OR r.agency_id = $1) AND ($2::text IS NULL OR r.status = $2)
  AND ($3::bigint IS NULL OR h.union_id IN (SELECT id FROM trade_union WHERE path @> ARRAY[$3::bigint]))
  AND (($4::text IS NULL AND $6::bigint IS NULL) OR h.region_code LIKE $4 || '%' OR r.agency_id = $6)
  AND ($5::bigint IS NULL OR EXISTS (
      SELECT 1 FROM sponsorship s WHERE s.household_id = h.id AND s.sponsor_id = $5 AND s.ended_on IS NULL));
