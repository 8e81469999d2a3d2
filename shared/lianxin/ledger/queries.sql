-- name: list_households_after
SELECT * FROM household WHERE id > $1 ORDER BY id LIMIT $2;

-- name: find_by_archive_nos
SELECT * FROM household WHERE archive_no = ANY($1::text[]);
