-- Rehearsals and replays run in a sandbox that real work never sees.
-- live_sessions.sandbox: a rehearsal or replay live. Its orders stay out of the staff queue,
-- packing, slips, the dashboard, reports, tax exports and risk counts (every such query says
-- `NOT chotdon_sandbox(o.session_id)`), nothing is sent to a buyer about them, and no courier
-- is booked for them.
ALTER TABLE live_sessions ADD COLUMN sandbox boolean NOT NULL DEFAULT false;
CREATE INDEX live_sessions_sandbox_idx ON live_sessions (id) WHERE sandbox;

-- buyers.sandbox: a buyer made by a sandbox live. Phone numbers link buyers only on their own
-- side of the boundary, so a replayed phone never joins a rehearsal identity to a real buyer:
-- the same phone may have one real buyer and one sandbox buyer.
ALTER TABLE buyers ADD COLUMN sandbox boolean NOT NULL DEFAULT false;
DROP INDEX buyers_phone_key;
CREATE UNIQUE INDEX buyers_phone_key ON buyers (tenant_id, sandbox, phone) WHERE phone IS NOT NULL;

-- True for an order (or comment) of a sandbox live; false for real lives and for orders with
-- no live (manual, imported).
CREATE FUNCTION chotdon_sandbox(session_id bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT s.sandbox FROM live_sessions s WHERE s.id = session_id), false)
$$;

-- Rehearsals made before this migration: their channels, and the lives on them, flagged and ended.
UPDATE channels SET settings = settings || '{"sandbox": true}'::jsonb
WHERE platform = 'manual' AND external_id LIKE 'rehearsal-%';
UPDATE live_sessions s
SET sandbox = true,
    status = 'ended',
    ended_at = coalesce(s.ended_at, now())
FROM channels c
WHERE c.id = s.channel_id AND c.platform = 'manual' AND c.external_id LIKE 'rehearsal-%';
-- Their buyers that appear nowhere else become sandbox buyers too.
UPDATE buyers b SET sandbox = true
WHERE EXISTS (SELECT 1 FROM buyer_identities bi WHERE bi.buyer_id = b.id)
  AND NOT EXISTS (
    SELECT 1 FROM buyer_identities bi JOIN channels c ON c.id = bi.channel_id
    WHERE bi.buyer_id = b.id AND NOT (c.platform = 'manual' AND c.external_id LIKE 'rehearsal-%'));
