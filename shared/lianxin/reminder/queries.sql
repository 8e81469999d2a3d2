-- name: list_condolence_due
-- ACTIVE households not yet paid the quarter's condolence money and not yet reminded of it.
-- $1 period (2026Q4), $2 today, $3 after household id, $4 limit
SELECT h.id AS key, h.id AS household_id, NULL::bigint AS sponsorship_id
FROM household h
WHERE h.status = 'ACTIVE' AND h.archived_on <= $2 AND h.id > $3
  AND NOT EXISTS (SELECT 1 FROM aid_disbursement d WHERE d.household_id = h.id
                    AND d.program = 'QUARTERLY_CONDOLENCE' AND d.period = $1)
  AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.kind = 'CONDOLENCE_DUE' AND r.household_id = h.id
                    AND coalesce(r.sponsorship_id, 0) = 0 AND r.period = $1)
ORDER BY h.id LIMIT $4;

-- name: list_survey_visit_due
-- ACTIVE households with fewer visits this year than they will owe once the round has ended, not yet
-- reminded of the round. The rounds owed are the casework formula (casework/queries.sql) at the month
-- after the round: (month − January, or the month of archiving in that year) × rounds per year ÷ 12.
-- $1 year, $2 the month after the round's last (2–13), $3 rounds per year, $4 period (2026-R3), $5 today,
-- $6 after household id, $7 limit
SELECT h.id AS key, h.id AS household_id, NULL::bigint AS sponsorship_id
FROM household h
WHERE h.status = 'ACTIVE' AND h.archived_on <= $5 AND h.id > $6
  AND (SELECT count(*) FROM visit v WHERE v.household_id = h.id AND v.year = $1::integer)
      < ($2::integer - CASE WHEN extract(year FROM h.archived_on)::integer = $1::integer
                            THEN extract(month FROM h.archived_on)::integer ELSE 1 END) * $3::integer / 12
  AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.kind = 'SURVEY_VISIT_DUE' AND r.household_id = h.id
                    AND coalesce(r.sponsorship_id, 0) = 0 AND r.period = $4)
ORDER BY h.id LIMIT $7;

-- name: list_festival_due
-- Active pairings (not ended) of ACTIVE households, started by today, not yet reminded of the festival.
-- $1 period (2026-SPRING_FESTIVAL), $2 today, $3 after sponsorship id, $4 limit
SELECT s.id AS key, s.household_id, s.id AS sponsorship_id
FROM sponsorship s JOIN household h ON h.id = s.household_id
WHERE h.status = 'ACTIVE' AND s.ended_on IS NULL AND s.started_on <= $2 AND s.id > $3
  AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.kind = 'FESTIVAL_VISIT_DUE' AND r.household_id = s.household_id
                    AND coalesce(r.sponsorship_id, 0) = s.id AND r.period = $1)
ORDER BY s.id LIMIT $4;

-- name: insert_reminders
-- The unique index (kind, household, sponsorship, period) skips any a concurrent scan already wrote:
-- only rows inserted here come back, each with its household's region and union path for the event.
-- $1 kind, $2 period, $3 due on, $4 household ids, $5 sponsorship ids (NULL where none)
WITH ins AS (
    INSERT INTO reminder (kind, household_id, sponsorship_id, period, due_on)
    SELECT $1, c.household_id, c.sponsorship_id, $2, $3
    FROM unnest($4::bigint[], $5::bigint[]) AS c(household_id, sponsorship_id)
    ON CONFLICT DO NOTHING
    RETURNING id, kind, household_id, sponsorship_id, period, due_on, created_at
)
SELECT ins.*, s.sponsor_id, h.region_code, h.union_id, u.path AS union_path
FROM ins
JOIN household h ON h.id = ins.household_id
JOIN trade_union u ON u.id = h.union_id
LEFT JOIN sponsorship s ON s.id = ins.sponsorship_id
ORDER BY ins.id;

-- name: list_reminders_page
-- Oldest first. $1 kind, $2 period, $3 household id, $4 union id (its subtree's households),
-- $5 sponsor organization id (its pairings' reminders), each NULL for no filter; $6 after id, $7 limit
SELECT r.id, r.kind, r.household_id, r.sponsorship_id, s.sponsor_id, r.period, r.due_on, r.created_at
FROM reminder r LEFT JOIN sponsorship s ON s.id = r.sponsorship_id
WHERE ($1::text IS NULL OR r.kind = $1) AND ($2::text IS NULL OR r.period = $2)
  AND ($3::bigint IS NULL OR r.household_id = $3)
  AND ($4::bigint IS NULL OR r.household_id IN (SELECT id FROM lianxin_households_in_scope($4, NULL, NULL)))
  AND ($5::bigint IS NULL OR s.sponsor_id = $5)
  AND r.id > $6 /*keyset*/
ORDER BY r.id /*keyset*/ LIMIT $7;

-- name: count_reminders
-- $1 kind, $2 period, $3 household id, $4 union id, $5 sponsor id: as list_reminders_page
SELECT count(*)
FROM reminder r LEFT JOIN sponsorship s ON s.id = r.sponsorship_id
WHERE ($1::text IS NULL OR r.kind = $1) AND ($2::text IS NULL OR r.period = $2)
  AND ($3::bigint IS NULL OR r.household_id = $3)
  AND ($4::bigint IS NULL OR r.household_id IN (SELECT id FROM lianxin_households_in_scope($4, NULL, NULL)))
  AND ($5::bigint IS NULL OR s.sponsor_id = $5);

-- name: list_reminders_by_ids
SELECT r.id, r.kind, r.household_id, r.sponsorship_id, s.sponsor_id, r.period, r.due_on, r.created_at
FROM reminder r LEFT JOIN sponsorship s ON s.id = r.sponsorship_id
WHERE r.id = ANY($1::bigint[]);
