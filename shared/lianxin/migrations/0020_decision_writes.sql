-- Issue 14: what writing a decision costs, for a re-matching run that writes one per household.

-- A decision's trace is stored as `json` (its text, checked), not `jsonb`. Nothing queries inside a
-- trace: it is written once, read whole and rendered (lianxin.eligibility.render). jsonb's binary form
-- is made for queries, and building it turns every number into a numeric: for a run's partition
-- (10,000 structured-figure traces of ~370 bytes) that parse alone was a quarter of writing the
-- decisions. json keeps the text as written after checking that it is JSON; readers get the same values
-- (the pool decodes json and jsonb alike).
ALTER TABLE eligibility_decision ALTER COLUMN trace TYPE json USING trace::json;

-- A household's current decision is one of that household's decisions: one composite foreign key says
-- so, where two checked each half (the household exists; the decision exists) and let a current row
-- name another household's decision. The decision's own key on household_id keeps the household
-- existing; deleting a household deletes its decisions and with them its current decision, as before.
ALTER TABLE eligibility_decision ADD CONSTRAINT eligibility_decision_household_id_id_key
    UNIQUE (household_id, id);
DROP INDEX eligibility_decision_household;  -- the same columns, now unique
ALTER TABLE household_eligibility
    DROP CONSTRAINT household_eligibility_household_id_fkey,
    DROP CONSTRAINT household_eligibility_decision_id_fkey,
    ADD CONSTRAINT household_eligibility_decision_fkey FOREIGN KEY (household_id, decision_id)
        REFERENCES eligibility_decision (household_id, id) ON DELETE CASCADE;
