-- A household's status history (Household.statusHistory): one row per change of status, written by the
-- household service in the same transaction as the change. `reason` is the caseworker's free text, as
-- household.status_reason (hidden from sponsors). Households that left ACTIVE before this table get
-- their one known change (ACTIVE → status, on status_changed_on, with status_reason).

CREATE TABLE household_status_change (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id  bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
    changed_on    date NOT NULL,
    from_status   text NOT NULL CHECK (from_status IN ('ACTIVE', 'OUT_OF_HARDSHIP', 'CLOSED')),
    to_status     text NOT NULL CHECK (to_status IN ('ACTIVE', 'OUT_OF_HARDSHIP', 'CLOSED')),
    reason        text,
    CHECK (from_status <> to_status)
);
CREATE INDEX household_status_change_household ON household_status_change (household_id, id);

INSERT INTO household_status_change (household_id, changed_on, from_status, to_status, reason)
SELECT id, coalesce(status_changed_on, archived_on), 'ACTIVE', status, status_reason
FROM household
WHERE status <> 'ACTIVE'
ORDER BY id;
