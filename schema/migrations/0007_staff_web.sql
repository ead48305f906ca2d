-- Staff web app: server-side sessions and the login rate limit.
--
-- staff_sessions: one row per logged-in browser. The cookie holds a random token; only its
-- SHA-256 is stored, so a read of this table does not open anyone's session. csrf_token is the
-- per-session secret every POST form carries in a hidden field.
CREATE TABLE staff_sessions (
    id          bigserial PRIMARY KEY,
    staff_id    bigint NOT NULL REFERENCES staff(id),
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    token_hash  text NOT NULL UNIQUE,
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff_id);
CREATE INDEX staff_sessions_expires_idx ON staff_sessions (expires_at);

-- login_failures: one row per refused login, counted per (login, IP) over a sliding window.
CREATE TABLE login_failures (
    id      bigserial PRIMARY KEY,
    login   text NOT NULL,
    ip      text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key_idx ON login_failures (login, ip, at);

-- Packing: "claim next" takes the oldest confirmed order of a cooperative.
CREATE INDEX orders_confirmed_queue_idx ON orders (tenant_id, created_at, id)
    WHERE status = 'confirmed';
