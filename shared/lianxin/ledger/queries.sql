-- name: list_households_after
-- $1 after id, $2 limit; $3 $4 $5 the caller's scope (union root, region prefix, actively paired sponsor;
-- NULL for no limit)
SELECT h.* FROM household h WHERE h.id > $1
  AND ($3::bigint IS NULL OR h.union_id IN (SELECT id FROM trade_union WHERE path @> ARRAY[$3::bigint]))
  AND ($4::text IS NULL OR h.region_code LIKE $4 || '%')
  AND ($5::bigint IS NULL OR EXISTS (
      SELECT 1 FROM sponsorship s WHERE s.household_id = h.id AND s.sponsor_id = $5 AND s.ended_on IS NULL))
ORDER BY h.id LIMIT $2;

-- name: find_by_archive_nos
SELECT * FROM household WHERE archive_no = ANY($1::text[]);

-- name: union_path
SELECT path FROM trade_union WHERE id = $1;
