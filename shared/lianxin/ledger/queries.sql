-- name: list_households_after
-- $1 after id, $2 limit; $3 $4 $5 the caller's scope (union root, region prefix, actively paired sponsor;
-- NULL for no limit)
SELECT h.* FROM lianxin_households_in_scope($3, $4, $5) h WHERE h.id > $1
ORDER BY h.id LIMIT $2;

-- name: find_by_archive_nos
SELECT * FROM household WHERE archive_no = ANY($1::text[]);

-- name: union_path
SELECT path FROM trade_union WHERE id = $1;
