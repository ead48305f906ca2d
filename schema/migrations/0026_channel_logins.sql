-- Connecting a channel by logging in at the platform (issue 20 item 2): Facebook Login for
-- Business, Zalo OA OAuth v4 with PKCE, TikTok Shop's authorization link.
--
-- One row per attempt. The `state` sent to the platform is kept only as its SHA-256 (it travels
-- in URLs); the callback must come back to the same cooperative and director, once, before
-- expires_at. Zalo's PKCE code_verifier and, for Facebook, the Pages offered with their tokens
-- while the director picks them are sealed with aggregator/credentials and erased when the
-- attempt ends. channel_ids: the channels the attempt connected.
CREATE TABLE channel_logins (
    id              bigserial PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants(id),
    staff_id        bigint NOT NULL REFERENCES staff(id),
    platform        text NOT NULL CHECK (platform IN ('facebook', 'tiktok', 'zalo')),
    state_hash      bytea NOT NULL UNIQUE,
    verifier_sealed bytea,
    offer_sealed    bytea,
    status          text NOT NULL DEFAULT 'started'
                    CHECK (status IN ('started', 'picking', 'connected', 'failed')),
    problem         text,
    channel_ids     bigint[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    CHECK ((status IN ('started', 'picking')) = (finished_at IS NULL))
);
CREATE INDEX channel_logins_tenant_idx ON channel_logins (tenant_id, created_at DESC);
SELECT chotdon_tenant_wall('channel_logins');
