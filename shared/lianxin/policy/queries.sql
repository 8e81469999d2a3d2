-- name: list_policies_by_region
SELECT * FROM dibao_policy WHERE region_code = $1 ORDER BY effective_from DESC;

-- name: list_policies_by_ids
SELECT * FROM dibao_policy WHERE id = ANY($1::bigint[]);

-- name: find_policy_for
-- The policy of the longest matching region ($1: codes longest first) in force on $2.
SELECT * FROM dibao_policy
WHERE region_code = ANY($1::text[]) AND effective_from <= $2
ORDER BY array_position($1::text[], region_code::text), effective_from DESC
LIMIT 1;

-- name: policy_exists
SELECT id FROM dibao_policy WHERE region_code = $1 AND effective_from = $2;

-- name: insert_policy
INSERT INTO dibao_policy (region_code, effective_from, parameters, published_by)
VALUES ($1, $2, $3, $4) RETURNING *;
