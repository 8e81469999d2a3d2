-- Scheduled reminders (DESIGN.md §6): quarterly condolence payments due, survey visits due, sponsors'
-- festival visits. One row per kind, household (and, for festival visits, sponsorship) and period.
-- The unique index is what keeps a reminder to once per period however many workers scan at once:
-- a scan inserts with ON CONFLICT DO NOTHING and writes the `reminder.due` event only for the rows it
-- actually inserted, in the same transaction.
CREATE TABLE reminder (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('CONDOLENCE_DUE', 'SURVEY_VISIT_DUE', 'FESTIVAL_VISIT_DUE')),
    household_id   bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
    sponsorship_id bigint REFERENCES sponsorship (id) ON DELETE CASCADE,
    -- CONDOLENCE_DUE: the aid period (2026Q4); SURVEY_VISIT_DUE: the year's round (2026-R3);
    -- FESTIVAL_VISIT_DUE: the festival of a year (2026-SPRING_FESTIVAL)
    period         text NOT NULL CHECK (CASE kind
        WHEN 'CONDOLENCE_DUE' THEN period ~ '^[0-9]{4}Q[1-4]$'
        WHEN 'SURVEY_VISIT_DUE' THEN period ~ '^[0-9]{4}-R([1-9]|1[0-2])$'
        ELSE period ~ '^[0-9]{4}-[A-Z_]{1,40}$' END),
    due_on         date NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'FESTIVAL_VISIT_DUE') = (sponsorship_id IS NOT NULL))
);
CREATE UNIQUE INDEX reminder_once_per_period
    ON reminder (kind, household_id, coalesce(sponsorship_id, 0), period);
CREATE INDEX reminder_household ON reminder (household_id, id);
CREATE INDEX reminder_sponsorship ON reminder (sponsorship_id, id) WHERE sponsorship_id IS NOT NULL;
CREATE INDEX reminder_kind_period ON reminder (kind, period, id);
