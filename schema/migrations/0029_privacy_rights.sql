-- Personal data under Law 91/2025/QH15 (in force 2026-01-01): what the buyer was told and agreed
-- to, the requests they make from their order link and the deadline staff answer them by, every
-- staff read of a buyer's phone or address, the breach log with its 72-hour clock, and the
-- retention schedule per kind of data with the record of what each run removed.

-- The notices buyers were shown, once per distinct text: a consent points at the exact words.
CREATE TABLE privacy_notices (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    sha256      text NOT NULL,
    body        text NOT NULL,
    first_shown_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, sha256)
);
SELECT chotdon_tenant_wall('privacy_notices');

-- One row per confirmation: which notice, when, from which page ('buyer_page', 'phone_call'
-- with the staff member who read it out, or 'chat_reply' from a buyer who agreed on the page
-- before), and the browser. Kept after an erasure (it names no one:
-- the buyer id then points at an emptied buyer), as proof that consent was asked.
CREATE TABLE privacy_consents (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    order_id    bigint NOT NULL REFERENCES orders(id),
    buyer_id    bigint NOT NULL REFERENCES buyers(id),
    notice_id   bigint NOT NULL REFERENCES privacy_notices(id),
    source      text NOT NULL CHECK (source IN ('buyer_page', 'phone_call', 'chat_reply')),
    actor       text NOT NULL,
    user_agent  text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX privacy_consents_order_idx ON privacy_consents (tenant_id, order_id);
CREATE INDEX privacy_consents_buyer_idx ON privacy_consents (tenant_id, buyer_id);
SELECT chotdon_tenant_wall('privacy_consents');

-- Requests: rows the CLI wrote (already carried out) stay 'done'; a buyer's request from the link
-- starts 'open' with a due date, and staff complete or refuse it (with a reason) on a page.
ALTER TABLE privacy_requests
    ADD COLUMN status text NOT NULL DEFAULT 'done' CHECK (status IN ('open', 'done', 'refused')),
    ADD COLUMN source text NOT NULL DEFAULT 'cli' CHECK (source IN ('cli', 'buyer_link', 'staff')),
    ADD COLUMN order_id bigint REFERENCES orders(id),
    ADD COLUMN due_at timestamptz,
    ADD COLUMN handled_by text,
    ADD COLUMN handled_at timestamptz,
    ADD COLUMN answer text NOT NULL DEFAULT '';
CREATE INDEX privacy_requests_open_idx ON privacy_requests (tenant_id, due_at)
    WHERE status = 'open';
-- One open erasure request per buyer at a time (asking twice does not make two).
CREATE UNIQUE INDEX privacy_requests_one_open_idx ON privacy_requests (tenant_id, order_id, kind)
    WHERE status = 'open';

-- Every staff read of a buyer's phone or address: who, which order, which fields, on what page.
CREATE TABLE data_access_log (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    staff_id    bigint NOT NULL REFERENCES staff(id),
    order_id    bigint NOT NULL REFERENCES orders(id),
    fields      text[] NOT NULL,
    place       text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_access_log_tenant_idx ON data_access_log (tenant_id, at DESC);
CREATE INDEX data_access_log_order_idx ON data_access_log (tenant_id, order_id);
SELECT chotdon_tenant_wall('data_access_log');

-- The breach log: when it was found (the 72-hour clock starts there), what and whom it touched,
-- what was done, when the authority (A05, Ministry of Public Security) and the buyers were told.
CREATE TABLE data_breaches (
    id              bigserial PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants(id),
    detected_at     timestamptz NOT NULL,
    recorded_by     text NOT NULL,
    description     text NOT NULL CHECK (length(description) BETWEEN 3 AND 4000),
    data_kinds      text NOT NULL DEFAULT '',
    buyers_affected integer CHECK (buyers_affected >= 0),
    measures        text NOT NULL DEFAULT '',
    reported_at     timestamptz,
    buyers_told_at  timestamptz,
    closed_at       timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_breaches_tenant_idx ON data_breaches (tenant_id, detected_at DESC);
SELECT chotdon_tenant_wall('data_breaches');

-- The director's retention schedule: days per kind of data (no row: the default of
-- aggregator/core/privacy.py).
CREATE TABLE retention_rules (
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    kind        text NOT NULL CHECK (kind IN ('comments', 'deliveries', 'addresses', 'messages')),
    days        integer NOT NULL CHECK (days BETWEEN 1 AND 3650),
    updated_by  text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind)
);
SELECT chotdon_tenant_wall('retention_rules');

-- What each run of the schedule removed, per cooperative and kind (the register prints the last).
CREATE TABLE retention_runs (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    kind        text NOT NULL,
    cutoff      timestamptz NOT NULL,
    rows        integer NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retention_runs_tenant_idx ON retention_runs (tenant_id, at DESC);
SELECT chotdon_tenant_wall('retention_runs');
