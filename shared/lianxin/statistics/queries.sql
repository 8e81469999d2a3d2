-- name: union_exists
-- $2 the caller's union root or NULL: a union outside its subtree does not exist for it
SELECT EXISTS (SELECT 1 FROM lianxin_unions_in_subtree($2) WHERE id = $1);

-- name: household_counts
-- $1 region prefix or NULL, $2 union id (its subtree) or NULL, $3 status or NULL; $4 $5 $6 the caller's
-- scope (union root, region prefix, actively paired sponsor; NULL for no limit).
SELECT CASE WHEN GROUPING(h.level) = 0 THEN 'LEVEL' WHEN GROUPING(h.category) = 0 THEN 'CATEGORY'
            WHEN GROUPING(h.status) = 0 THEN 'STATUS' ELSE 'REGION' END AS dimension,
       coalesce(h.level, h.category, h.status, h.region_code::text) AS key,
       count(*)::integer AS households
FROM lianxin_households_in_scope($4, $5, $6) h
WHERE ($1::text IS NULL OR h.region_code LIKE $1 || '%')
  AND ($2::bigint IS NULL OR h.union_id IN (SELECT id FROM lianxin_unions_in_subtree($2)))
  AND ($3::text IS NULL OR h.status = $3)
GROUP BY GROUPING SETS ((h.level), (h.category), (h.status), (h.region_code))
ORDER BY 1, 2;

-- name: reason_counts
SELECT 'REASON' AS dimension, r AS key, count(*)::integer AS households
FROM lianxin_households_in_scope($4, $5, $6) h, unnest(h.hardship_reasons) AS r
WHERE ($1::text IS NULL OR h.region_code LIKE $1 || '%')
  AND ($2::bigint IS NULL OR h.union_id IN (SELECT id FROM lianxin_unions_in_subtree($2)))
  AND ($3::text IS NULL OR h.status = $3)
GROUP BY r
ORDER BY r;

-- name: decision_counts
-- RULES.md v2: the scope's households by their current decision's outcome and by its suggested (union)
-- category; parameters as household_counts. A household not yet decided counts as UNDECIDED in both, one
-- decided without a category as NONE.
SELECT d.dimension, d.key, count(*)::integer AS households
FROM lianxin_households_in_scope($4, $5, $6) h
LEFT JOIN household_eligibility c ON c.household_id = h.id
LEFT JOIN eligibility_decision e ON e.id = c.decision_id
CROSS JOIN LATERAL (VALUES
    ('OUTCOME', coalesce(c.outcome, 'UNDECIDED')),
    ('SUGGESTED_CATEGORY', CASE WHEN c.household_id IS NULL THEN 'UNDECIDED'
                                ELSE coalesce(e.suggested_category, 'NONE') END)
) AS d(dimension, key)
WHERE ($1::text IS NULL OR h.region_code LIKE $1 || '%')
  AND ($2::bigint IS NULL OR h.union_id IN (SELECT id FROM lianxin_unions_in_subtree($2)))
  AND ($3::text IS NULL OR h.status = $3)
GROUP BY d.dimension, d.key
ORDER BY 1, 2;

-- name: years
-- $1 region prefix, $2 union id, $3 level or NULL, $4 first year, $5 last year, $6 $7 $8 the caller's
-- scope (union root, region prefix, actively paired sponsor; NULL for no limit). A household is on file
-- at a year's end when archived by then and not moved out of ACTIVE on or before that day.
SELECT y AS year,
       (count(h.id) FILTER (WHERE extract(year FROM h.archived_on) = y))::integer AS archived,
       (count(h.id) FILTER (WHERE h.archived_on <= make_date(y, 12, 31)
           AND NOT (h.status <> 'ACTIVE' AND h.status_changed_on <= make_date(y, 12, 31))))::integer AS on_file,
       (count(h.id) FILTER (WHERE h.status = 'OUT_OF_HARDSHIP'
           AND extract(year FROM h.status_changed_on) = y))::integer AS out_of_hardship
FROM generate_series($4::integer, $5::integer) AS y
LEFT JOIN lianxin_households_in_scope($6, $7, $8) h
  ON ($1::text IS NULL OR h.region_code LIKE $1 || '%')
 AND ($2::bigint IS NULL OR h.union_id IN (SELECT id FROM lianxin_unions_in_subtree($2)))
 AND ($3::text IS NULL OR h.level = $3)
GROUP BY y
ORDER BY y;
