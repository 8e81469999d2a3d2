-- name: get_union
SELECT * FROM trade_union WHERE id = $1;

-- name: list_unions_by_ids
SELECT * FROM trade_union WHERE id = ANY($1::bigint[]);

-- name: list_unions_of_household_ids
-- the unions of the households (list_unions_by_ids of their union ids)
SELECT * FROM trade_union WHERE id IN (SELECT union_id FROM household WHERE id = ANY($1::bigint[]));

-- name: list_children_by_parent_ids
SELECT * FROM trade_union WHERE parent_id = ANY($1::bigint[]) ORDER BY id;

-- name: find_union_by_name
SELECT id FROM trade_union
WHERE coalesce(parent_id, 0) = coalesce($1::bigint, 0) AND lower(btrim(name)) = lower(btrim($2));

-- name: list_unions_page
-- $1 parent id or NULL (all), $2 after id, $3 limit, $4 the caller's union root (its subtree) or NULL
SELECT * FROM lianxin_unions_in_subtree($4)
WHERE ($1::bigint IS NULL OR parent_id = $1) AND id > $2 /*keyset*/
ORDER BY id /*keyset*/ LIMIT $3;

-- name: count_unions
SELECT count(*) FROM lianxin_unions_in_subtree($2)
WHERE ($1::bigint IS NULL OR parent_id = $1);

-- name: insert_union
WITH new AS (SELECT nextval(pg_get_serial_sequence('trade_union', 'id')) AS id)
INSERT INTO trade_union (id, name, kind, region_code, parent_id, path)
OVERRIDING SYSTEM VALUE
SELECT new.id, btrim($1), $2, $3, $4, $5::bigint[] || new.id FROM new
RETURNING *;

-- name: update_union_name
UPDATE trade_union SET name = btrim($2), updated_at = now() WHERE id = $1 RETURNING *;

-- name: move_union
-- Re-root the subtree of $1 under the union whose path is $2 (its new parent id is the path's last).
UPDATE trade_union AS t
SET path = $2::bigint[] || t.path[array_position(t.path, $1::bigint):],
    parent_id = CASE WHEN t.id = $1 THEN ($2::bigint[])[array_upper($2::bigint[], 1)] ELSE t.parent_id END,
    updated_at = now()
WHERE t.id IN (SELECT id FROM lianxin_unions_in_subtree($1::bigint)) AND $1::bigint IS NOT NULL;

-- name: lock_union
SELECT id FROM trade_union WHERE id = $1 FOR UPDATE;

-- name: get_stats_by_union_ids
SELECT * FROM trade_union_stats WHERE union_id = ANY($1::bigint[]);

-- name: recount_union_and_ancestors
-- For the union $1 and each of its ancestors: counts over that union's whole subtree.
INSERT INTO trade_union_stats AS s (union_id, child_unions, member_units, sponsors, computed_at)
SELECT a.id,
       (SELECT count(*) FROM lianxin_unions_in_subtree(a.id) d WHERE d.id <> a.id),
       (SELECT count(*) FROM organization o JOIN lianxin_unions_in_subtree(a.id) d ON d.id = o.union_id
         WHERE o.kind IN ('MEMBER_UNIT', 'EMPLOYER')),
       (SELECT count(*) FROM organization o JOIN lianxin_unions_in_subtree(a.id) d ON d.id = o.union_id
         WHERE o.kind = 'SPONSOR'),
       now()
FROM trade_union a
WHERE a.id = ANY((SELECT path FROM trade_union WHERE id = $1)::bigint[])
ON CONFLICT (union_id) DO UPDATE
SET child_unions = excluded.child_unions, member_units = excluded.member_units,
    sponsors = excluded.sponsors, computed_at = excluded.computed_at
RETURNING *;
