-- name: get_organization
SELECT * FROM organization WHERE id = $1;

-- name: list_organizations_by_ids
SELECT * FROM organization WHERE id = ANY($1::bigint[]);

-- name: find_by_credit_code
SELECT id FROM organization WHERE credit_code = $1;

-- name: list_organizations_page
-- $1 union id or NULL, $2 kind or NULL, $3 after id, $4 limit; the caller's scope: $5 union root (the
-- organization's union in its subtree), $6 sponsor (the organization itself), each NULL for no limit
SELECT * FROM organization
WHERE ($1::bigint IS NULL OR union_id = $1) AND ($2::text IS NULL OR kind = $2) AND id > $3 /*keyset*/
  AND ($5::bigint IS NULL OR union_id IN (SELECT id FROM lianxin_unions_in_subtree($5)))
  AND ($6::bigint IS NULL OR id = $6)
ORDER BY id /*keyset*/ LIMIT $4;

-- name: count_organizations
SELECT count(*) FROM organization
WHERE ($1::bigint IS NULL OR union_id = $1) AND ($2::text IS NULL OR kind = $2)
  AND ($3::bigint IS NULL OR union_id IN (SELECT id FROM lianxin_unions_in_subtree($3)))
  AND ($4::bigint IS NULL OR id = $4);

-- name: insert_organization
INSERT INTO organization (name, credit_code, kind, union_id, region_code)
VALUES (btrim($1), $2, $3, $4, $5)
RETURNING *;
