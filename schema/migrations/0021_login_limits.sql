-- Login limits (issue 24): tries are reserved in one statement before any password is hashed,
-- per client address, per login, per trusted device and globally (one row per minute), with
-- progressive delays instead of a hard lock. The 15-minute count of login_failures is gone;
-- login_failures now only records refused passwords (for the director's dashboard).
CREATE TABLE login_limits (
    scope         text NOT NULL CHECK (scope IN ('address', 'login', 'device', 'global')),
    key           text NOT NULL,
    free          integer NOT NULL,            -- tries before delays start (from Settings)
    attempts      integer NOT NULL DEFAULT 0,  -- tries counted since the last quiet spell
    refused       integer NOT NULL DEFAULT 0,  -- tries turned away while delayed
    blocked_until timestamptz NOT NULL DEFAULT '-infinity',
    reserved      boolean NOT NULL DEFAULT true,  -- whether the last try got through
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX login_limits_updated_idx ON login_limits (updated_at);
CREATE INDEX login_failures_at_idx ON login_failures (at);

-- Until when a bucket is delayed after its n-th try when it allows `free` tries: not at all
-- before (-infinity, not now(): a try whose transaction started a moment earlier and waited
-- for the row must still get through), then first_s, 2 x first_s, 4 x first_s ... never more
-- than longest_s.
CREATE FUNCTION chotdon_login_blocked_until(
    n integer, free integer, first_s float8, longest_s float8
) RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN n < free THEN '-infinity'::timestamptz
           ELSE now() + make_interval(
               secs => least(longest_s, first_s * power(2, least(n - free, 30))))
           END
$$;

-- Reserve one try in every bucket of a login try, all or nothing: the rows are created if new,
-- locked in key order (parallel tries of one bucket queue here, and two tries never wait on each
-- other's rows), and only if none is delayed does every bucket count the try and take its next
-- delay. Otherwise nothing is counted but a refusal on the delayed buckets: a flood from one
-- address stopped by its address bucket uses up neither the login's tries nor the server's
-- per-minute budget, and a refused try never lengthens a delay. A bucket quiet for quiet_s
-- starts afresh. Returns one row per bucket (only the delayed ones when refused at once).
-- Cost under a flood: a try refused by a bucket already delayed takes the fast path (no new
-- rows, one small update), and the commit does not wait for the WAL flush: a crash may forget
-- the last few counts, which only makes the limits a little more lenient for a moment.
CREATE FUNCTION chotdon_reserve_login(
    scopes text[], keys text[], frees integer[], first_s float8, longest_s float8, quiet_s float8
) RETURNS TABLE (scope text, key text, reserved boolean, blocked_until timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    open_all boolean;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);

    RETURN QUERY
    WITH delayed AS (  -- locked in key order, like the slow path below
        SELECT l.scope, l.key FROM login_limits l
        JOIN unnest(scopes, keys) AS w(scope, key) ON l.scope = w.scope AND l.key = w.key
        WHERE l.blocked_until > now()
        ORDER BY l.scope, l.key
        FOR UPDATE OF l
    )
    UPDATE login_limits l SET refused = l.refused + 1, updated_at = now()
    FROM delayed d
    WHERE l.scope = d.scope AND l.key = d.key
    RETURNING l.scope, l.key, false, l.blocked_until;
    IF FOUND THEN
        RETURN;
    END IF;

    INSERT INTO login_limits AS l (scope, key, free)
    SELECT w.scope, w.key, w.free
    FROM unnest(scopes, keys, frees) AS w(scope, key, free)
    ORDER BY w.scope, w.key
    ON CONFLICT ON CONSTRAINT login_limits_pkey DO NOTHING;

    PERFORM 1 FROM login_limits l
    JOIN unnest(scopes, keys) AS w(scope, key) ON l.scope = w.scope AND l.key = w.key
    ORDER BY l.scope, l.key
    FOR UPDATE OF l;

    SELECT bool_and(l.blocked_until <= now()) INTO open_all
    FROM login_limits l
    JOIN unnest(scopes, keys) AS w(scope, key) ON l.scope = w.scope AND l.key = w.key;

    RETURN QUERY
    UPDATE login_limits l SET
        attempts = CASE WHEN NOT open_all THEN l.attempts
                        WHEN l.updated_at < now() - make_interval(secs => quiet_s) THEN 1
                        ELSE l.attempts + 1 END,
        refused = CASE WHEN l.blocked_until > now() THEN l.refused + 1
                       WHEN l.updated_at < now() - make_interval(secs => quiet_s) THEN 0
                       ELSE l.refused END,
        blocked_until = CASE
            WHEN NOT open_all THEN l.blocked_until
            WHEN l.updated_at < now() - make_interval(secs => quiet_s)
                THEN chotdon_login_blocked_until(1, w.free, first_s, longest_s)
            ELSE chotdon_login_blocked_until(l.attempts + 1, w.free, first_s, longest_s) END,
        free = w.free,
        reserved = open_all,
        -- a bucket refused for another's delay stays as quiet as it was
        updated_at = CASE WHEN open_all OR l.blocked_until > now() THEN now()
                          ELSE l.updated_at END
    FROM unnest(scopes, keys, frees) AS w(scope, key, free)
    WHERE l.scope = w.scope AND l.key = w.key
    RETURNING l.scope, l.key, open_all, l.blocked_until;
END
$$;
