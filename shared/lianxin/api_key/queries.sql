-- name: insert_api_key
INSERT INTO api_key (agency_id, name, prefix, key_sha256, created_by)
VALUES ($1, btrim($2), $3, $4, $5)
RETURNING *;

-- name: revoke_api_key
UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *;

-- name: get_key_holder
-- $1 prefix; the hash is compared in constant time by the caller
SELECT k.id AS key_id, k.key_sha256, a.id AS agency_id, a.region_code
FROM api_key k JOIN agency a ON a.id = k.agency_id
WHERE k.prefix = $1 AND k.revoked_at IS NULL;

-- name: agency_exists
SELECT id FROM agency WHERE id = $1;
