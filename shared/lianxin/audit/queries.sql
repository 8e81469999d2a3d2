-- Audit entries and the unmasked-read access log. Both tables refuse UPDATE and DELETE.

-- name: insert_audit_entry
INSERT INTO audit_entry (actor_subject, actor_role, operation, entity_ids, input, outcome, request_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING *;

-- name: list_audit_entries_page
-- newest first: $6 is the id to continue below (a huge number for the first page), $7 the limit
SELECT * FROM audit_entry
WHERE ($1::text IS NULL OR actor_subject = $1)
  AND ($2::text IS NULL OR operation = $2)
  AND ($3::text IS NULL OR entity_ids @> ARRAY[$3::text])
  AND ($4::timestamptz IS NULL OR occurred_at >= $4)
  AND ($5::timestamptz IS NULL OR occurred_at < $5)
  AND id < $6
ORDER BY id DESC LIMIT $7;

-- name: count_audit_entries
SELECT count(*) FROM audit_entry
WHERE ($1::text IS NULL OR actor_subject = $1)
  AND ($2::text IS NULL OR operation = $2)
  AND ($3::text IS NULL OR entity_ids @> ARRAY[$3::text])
  AND ($4::timestamptz IS NULL OR occurred_at >= $4)
  AND ($5::timestamptz IS NULL OR occurred_at < $5);

-- name: insert_access_log
INSERT INTO access_log (actor_subject, actor_role, field, member_ids, request_id)
VALUES ($1, $2, $3, $4, $5);
