-- A Facebook live's session can be ended by the live_videos webhook while `chotdon facebook-pull`
-- is down (restarting, redeployed, crashed). The puller follows only sessions on air, so the last
-- comments of that live, said while nobody listened, were never read: buyers' "chốt" lost. Each
-- session now records when its tail was read to the end (by its follower's last poll, or by the
-- puller's catch-up before it ends the session); the puller catches up ended sessions without it.
-- Sessions that ended before this migration count as read (nothing can tell otherwise now).
ALTER TABLE live_sessions ADD COLUMN tail_read_at timestamptz;
UPDATE live_sessions SET tail_read_at = coalesce(ended_at, now()) WHERE status = 'ended';
