-- Buyers edit and remove their comments ("chốt A01 x2" becomes "chốt A01 x3"). A revision of a
-- comment the merge already applied puts the comment back to 'pending' and keeps, in `replaced`,
-- the reading the merge applied, so the merge recomputes every line either version named from the
-- buyer's comments in the live. revised_at is the platform's time of the last revision applied (an
-- older one, retried late, never overwrites a newer); removed_at keeps a removed comment out of
-- the buyer's history for good.
ALTER TABLE comments ADD COLUMN revised_at timestamptz;
ALTER TABLE comments ADD COLUMN removed_at timestamptz;
ALTER TABLE comments ADD COLUMN replaced jsonb;
