-- name: lock_household
-- Serialises visits to one household, so two recorded at once get rounds 1 and 2, not 1 and 1.
SELECT id, status, region_code FROM household WHERE id = $1 FOR UPDATE;

-- name: next_round
SELECT coalesce(max(round), 0) + 1 FROM visit WHERE household_id = $1 AND year = $2;

-- name: insert_visit
INSERT INTO visit (household_id, visited_on, year, round, visitors, family_situation, hardship_causes,
                   skills, employment_wishes, state_of_mind, recorded_by)
VALUES ($1, $2, extract(year FROM $2::date)::integer, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id;

-- name: insert_actions
INSERT INTO visit_action (visit_id, position, action, owner, due_on)
SELECT $1, a.position, a.action, a.owner, a.due_on
FROM unnest($2::integer[], $3::text[], $4::text[], $5::date[]) AS a(position, action, owner, due_on);

-- name: list_visits_by_ids
SELECT v.*, coalesce((SELECT jsonb_agg(jsonb_build_object('position', a.position, 'action', a.action,
                                'owner', a.owner, 'due_on', a.due_on) ORDER BY a.position)
                      FROM visit_action a WHERE a.visit_id = v.id), '[]'::jsonb) AS plan
FROM visit v WHERE v.id = ANY($1::bigint[]);

-- name: list_visits_by_household_ids
-- Newest first; each visit carries its plan as a JSON array, so one statement serves a whole page.
SELECT v.*, coalesce((SELECT jsonb_agg(jsonb_build_object('position', a.position, 'action', a.action,
                                'owner', a.owner, 'due_on', a.due_on) ORDER BY a.position)
                      FROM visit_action a WHERE a.visit_id = v.id), '[]'::jsonb) AS plan
FROM visit v WHERE v.household_id = ANY($1::bigint[])
ORDER BY v.household_id, v.visited_on DESC, v.id DESC;

-- name: list_overdue_page
-- $1 as-of date, $2 rounds per year, $3 after household id, $4 limit, $5 region prefix or NULL,
-- $6 union id (its subtree) or NULL; $7 $8 $9 the caller's scope (union root, region prefix, actively
-- paired sponsor; NULL for no limit). The year is split into
-- $2 equal spans of months, counted from January or, in the year of archiving, from that month;
-- a round is due once its span has ended.
SELECT h.id AS household_id, d.rounds_due, coalesce(v.done, 0)::integer AS rounds_done,
       (SELECT max(visited_on) FROM visit WHERE household_id = h.id AND visited_on <= $1) AS last_visited_on
FROM lianxin_households_in_scope($7, $8, $9) h
CROSS JOIN LATERAL (
    SELECT ((extract(month FROM $1::date)::integer - CASE WHEN h.archived_on >= date_trunc('year', $1::date)
             THEN extract(month FROM h.archived_on)::integer ELSE 1 END) * $2::integer / 12) AS rounds_due
) d
LEFT JOIN LATERAL (
    SELECT count(*) AS done FROM visit
    WHERE household_id = h.id AND year = extract(year FROM $1::date)::integer AND visited_on <= $1
) v ON true
WHERE h.status = 'ACTIVE' AND h.archived_on <= $1 AND coalesce(v.done, 0) < d.rounds_due AND h.id > $3 /*keyset*/
  AND ($5::text IS NULL OR h.region_code LIKE $5 || '%')
  AND ($6::bigint IS NULL OR h.union_id IN (SELECT id FROM lianxin_unions_in_subtree($6)))
ORDER BY h.id /*keyset*/ LIMIT $4;

-- name: count_overdue
-- $1 as-of date, $2 rounds per year, $3 region prefix or NULL, $4 union id or NULL, $5 $6 $7 the scope
SELECT count(*)
FROM lianxin_households_in_scope($5, $6, $7) h
CROSS JOIN LATERAL (
    SELECT ((extract(month FROM $1::date)::integer - CASE WHEN h.archived_on >= date_trunc('year', $1::date)
             THEN extract(month FROM h.archived_on)::integer ELSE 1 END) * $2::integer / 12) AS rounds_due
) d
WHERE h.status = 'ACTIVE' AND h.archived_on <= $1
  AND (SELECT count(*) FROM visit WHERE household_id = h.id AND year = extract(year FROM $1::date)::integer
         AND visited_on <= $1) < d.rounds_due
  AND ($3::text IS NULL OR h.region_code LIKE $3 || '%')
  AND ($4::bigint IS NULL OR h.union_id IN (SELECT id FROM lianxin_unions_in_subtree($4)));

-- name: list_leaving_suggestions_page
-- $1 as-of date, $2 months, $3 after household id, $4 limit; $5 $6 $7 the caller's scope (union root,
-- region prefix, actively paired sponsor; NULL for no limit). RULES.md v2: a household qualifies when
-- every decision since its last one with a suggested (union) category has none, and the first of those
-- is at least $2 months old. The threshold shown is relative_hardship_multiple × standard of the
-- latest decision's own policy (q below it would have been RELATIVE).
WITH d AS (
    SELECT d.id, d.household_id, d.evaluated_on, d.per_capita_income_fen, d.category_income_fen,
           d.suggested_category,
           round(d.standard_fen * (p.parameters ->> 'relative_hardship_multiple')::numeric)::bigint AS threshold_fen
    FROM eligibility_decision d
    JOIN dibao_policy p ON p.id = d.policy_id
    JOIN lianxin_households_in_scope($5, $6, $7) h ON h.id = d.household_id
    WHERE h.status = 'ACTIVE' AND d.evaluated_on <= $1 AND h.id > $3 /*keyset*/
), s AS (
    SELECT household_id, max(id) AS latest_id,
           coalesce(max(id) FILTER (WHERE suggested_category IS NOT NULL), 0) AS last_below_id
    FROM d GROUP BY household_id
), a AS (
    SELECT d.household_id, min(d.evaluated_on) AS above_since
    FROM d JOIN s USING (household_id) WHERE d.id > s.last_below_id GROUP BY d.household_id
)
SELECT d.household_id, d.id AS decision_id, d.per_capita_income_fen, d.category_income_fen,
       d.threshold_fen, a.above_since
FROM a JOIN s USING (household_id) JOIN d ON d.id = s.latest_id
WHERE a.above_since <= ($1::date - make_interval(months => $2::integer))::date
ORDER BY d.household_id /*keyset*/ LIMIT $4;

-- name: count_leaving_suggestions
WITH d AS (
    SELECT d.id, d.household_id, d.evaluated_on, d.suggested_category
    FROM eligibility_decision d
    JOIN lianxin_households_in_scope($3, $4, $5) h ON h.id = d.household_id
    WHERE h.status = 'ACTIVE' AND d.evaluated_on <= $1
), s AS (
    SELECT household_id,
           coalesce(max(id) FILTER (WHERE suggested_category IS NOT NULL), 0) AS last_below_id
    FROM d GROUP BY household_id
)
SELECT count(*) FROM (
    SELECT d.household_id FROM d JOIN s USING (household_id) WHERE d.id > s.last_below_id
    GROUP BY d.household_id
    HAVING min(d.evaluated_on) <= ($1::date - make_interval(months => $2::integer))::date
) q;
