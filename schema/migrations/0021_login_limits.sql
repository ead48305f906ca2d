-- Login limits (issue 24): tries are reserved in one statement before any password is hashed,
-- per client address, per login, per trusted device and globally (one row per minute), with
-- progressive delays instead of a hard lock. The 15-minute count of login_failures is gone;
-- login_failures now only records refused passwords (for the director's dashboard).
CREATE TABLE login_limits (
    scope         text NOT NULL CHECK (scope IN ('address', 'login', 'device', 'global')),
    key           text NOT NULL,
    free          integer NOT NULL,            -- tries before delays start (from Settings)
    attempts      integer NOT NULL DEFAULT 0,  -- tries reserved since the last quiet spell
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
