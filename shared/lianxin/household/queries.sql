-- name: get_household
SELECT * FROM household WHERE id = $1;

-- name: lock_household
SELECT * FROM household WHERE id = $1 FOR UPDATE;

-- name: list_households_by_ids
SELECT * FROM household WHERE id = ANY($1::bigint[]);

-- name: find_by_archive_no
SELECT id FROM household WHERE archive_no = $1;

-- name: list_households_page
-- $1 union subtree root or NULL, $2 region prefix or NULL, $3 status or NULL, $4 after id, $5 limit,
-- $6 current eligibility outcome or NULL; $7 $8 $9 the caller's scope (lianxin.access.rules.ListScope):
-- union root, region prefix, actively paired sponsor, each NULL for no limit; $10 true: only those
-- lacking a contact person's name or phone, false: only those with both, NULL: either
SELECT h.* FROM lianxin_households_in_scope($7, $8, $9) h
WHERE ($1::bigint IS NULL OR h.union_id IN (SELECT id FROM lianxin_unions_in_subtree($1)))
  AND ($2::text IS NULL OR h.region_code LIKE $2 || '%')
  AND ($3::text IS NULL OR h.status = $3)
  AND ($6::text IS NULL OR EXISTS (
      SELECT 1 FROM household_eligibility e WHERE e.household_id = h.id AND e.outcome = $6))
  AND ($10::boolean IS NULL OR $10 = (h.contact_name IS NULL OR h.contact_phone IS NULL))
  AND h.id > $4 /*keyset*/
ORDER BY h.id /*keyset*/ LIMIT $5;

-- name: count_households
SELECT count(*) FROM lianxin_households_in_scope($5, $6, $7) h
WHERE ($1::bigint IS NULL OR h.union_id IN (SELECT id FROM lianxin_unions_in_subtree($1)))
  AND ($2::text IS NULL OR h.region_code LIKE $2 || '%')
  AND ($3::text IS NULL OR h.status = $3)
  AND ($4::text IS NULL OR EXISTS (
      SELECT 1 FROM household_eligibility e WHERE e.household_id = h.id AND e.outcome = $4))
  AND ($8::boolean IS NULL OR $8 = (h.contact_name IS NULL OR h.contact_phone IS NULL));

-- name: list_households_by_union_page
SELECT * FROM household WHERE union_id = $1 AND id > $2 /*keyset*/ ORDER BY id /*keyset*/ LIMIT $3;

-- name: count_households_by_union
SELECT count(*) FROM household WHERE union_id = $1;

-- name: insert_household
-- $11 archived_on (the service passes the given date or today in LIANXIN_TZ)
INSERT INTO household (archive_no, level, category, hardship_reasons, region_code, union_id,
                       contact_name, contact_phone, major_event_casualty, exclusions, archived_on)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11::date, current_date))
RETURNING *;

-- name: update_household_header
UPDATE household
SET category = $2, status = $3, status_changed_on = $4, status_reason = $5,
    contact_name = $6, contact_phone = $7, hardship_reasons = $8,
    major_event_casualty = $9, exclusions = $10,
    version = version + 1, updated_at = now()
WHERE id = $1
RETURNING *;

-- name: set_members_active
UPDATE member SET household_active = $2 WHERE household_id = $1;

-- name: list_members_by_ids
SELECT * FROM member WHERE id = ANY($1::bigint[]);

-- name: list_members_by_household_ids
SELECT * FROM member WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, position;

-- name: active_holders_of_id_numbers
-- Which of these ID numbers are active members of another active household (and where).
SELECT m.id_number, h.archive_no FROM member m JOIN household h ON h.id = m.household_id
WHERE m.id_number = ANY($1::text[]) AND m.household_active AND m.household_id <> $2;

-- name: delete_members
DELETE FROM member WHERE household_id = $1;

-- name: insert_members
INSERT INTO member (household_id, position, name, relation, id_number, sex, birth_date, health,
                    employment, household_active)
SELECT $1, u.position, u.name, u.relation, u.id_number, u.sex, u.birth_date, u.health, u.employment, $2
FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[], $9::text[], $10::text[])
     AS u(position, name, relation, id_number, sex, birth_date, health, employment);

-- name: list_incomes_by_household_ids
SELECT * FROM income WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, id;

-- name: delete_incomes
DELETE FROM income WHERE household_id = $1;

-- name: insert_incomes
INSERT INTO income (household_id, kind, monthly_fen, member_position)
SELECT $1, u.kind, u.monthly_fen, u.member_position
FROM unnest($2::text[], $3::bigint[], $4::int[]) AS u(kind, monthly_fen, member_position);

-- name: list_expenditures_by_household_ids
SELECT * FROM expenditure WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, id;

-- name: delete_expenditures
DELETE FROM expenditure WHERE household_id = $1;

-- name: insert_expenditures
INSERT INTO expenditure (household_id, kind, annual_fen)
SELECT $1, u.kind, u.annual_fen FROM unnest($2::text[], $3::bigint[]) AS u(kind, annual_fen);

-- name: list_assets_by_household_ids
SELECT * FROM asset WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, id;

-- name: delete_assets
DELETE FROM asset WHERE household_id = $1;

-- name: insert_assets
INSERT INTO asset (household_id, kind, value_fen, count)
SELECT $1, u.kind, u.value_fen, u.count FROM unnest($2::text[], $3::bigint[], $4::int[]) AS u(kind, value_fen, count);

-- name: insert_status_change
INSERT INTO household_status_change (household_id, changed_on, from_status, to_status, reason)
VALUES ($1, $2, $3, $4, $5);

-- name: list_status_changes_by_household_ids
SELECT * FROM household_status_change WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, id;
