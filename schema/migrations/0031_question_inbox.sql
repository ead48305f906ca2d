-- The inbox of buyers' questions and messages (issue 22 items 1 and 2).
--
-- inbox_items: one row per question comment, and per Messenger or Zalo message that is not an
-- order, taken from comments after the merge; its kind (price, stock, shipping…) comes from
-- aggregator/core/questions. Staff answer it in one tap (the answer goes through outbound_messages,
-- so the platform's window and rate limits apply) or mark it done.
CREATE TABLE inbox_items (
    id                   bigserial PRIMARY KEY,
    tenant_id            bigint NOT NULL REFERENCES tenants(id),
    comment_id           bigint NOT NULL UNIQUE REFERENCES comments(id),
    session_id           bigint REFERENCES live_sessions(id),
    live_id              bigint REFERENCES lives(id),
    channel_id           bigint NOT NULL REFERENCES channels(id),
    author_external_id   text NOT NULL,
    kind                 text NOT NULL CHECK (kind IN ('price', 'stock', 'variants', 'origin',
                             'shipping', 'payment', 'order_status', 'mixed', 'other', 'message')),
    product_code         text,
    status               text NOT NULL DEFAULT 'open'
                         CHECK (status IN ('open', 'answered', 'auto_answered', 'done')),
    asked_at             timestamptz NOT NULL,
    answer               text,
    outbound_message_id  bigint REFERENCES outbound_messages(id),
    answered_by          bigint REFERENCES staff(id),
    answered_at          timestamptz,
    done_by              bigint REFERENCES staff(id),
    done_at              timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((status IN ('answered', 'auto_answered')) = (answered_at IS NOT NULL) OR status = 'done')
);
-- What the inbox looks for among a live's comments: questions, and Messenger / Zalo messages.
CREATE INDEX comments_inbox_candidates_idx ON comments (session_id, id)
    WHERE intent IN ('question', 'other');
CREATE INDEX inbox_items_open_idx ON inbox_items (tenant_id, asked_at DESC) WHERE status = 'open';
CREATE INDEX inbox_items_live_idx ON inbox_items (tenant_id, live_id, asked_at DESC);
SELECT chotdon_tenant_wall('inbox_items');

-- The log of automatic answers: at most one per buyer, question kind and live (the unique key;
-- a live is the broadcast, on all its channels), whoever asks again and however often the job runs.
CREATE TABLE auto_answers (
    id                   bigserial PRIMARY KEY,
    tenant_id            bigint NOT NULL REFERENCES tenants(id),
    live_id              bigint NOT NULL REFERENCES lives(id),
    channel_id           bigint NOT NULL REFERENCES channels(id),
    author_external_id   text NOT NULL,
    kind                 text NOT NULL,
    inbox_item_id        bigint NOT NULL REFERENCES inbox_items(id),
    product_code         text,
    body                 text NOT NULL,
    outbound_message_id  bigint REFERENCES outbound_messages(id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (live_id, channel_id, author_external_id, kind)
);
CREATE INDEX auto_answers_tenant_idx ON auto_answers (tenant_id, created_at DESC);
SELECT chotdon_tenant_wall('auto_answers');

-- The director's wording of each kind of automatic answer (a kind without a row: the default).
CREATE TABLE answer_wordings (
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    kind        text NOT NULL,
    wording     text NOT NULL CHECK (length(wording) BETWEEN 1 AND 500),
    updated_by  bigint REFERENCES staff(id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind)
);
SELECT chotdon_tenant_wall('answer_wordings');

-- Each kind switched on or off per live (a kind without a row: on).
CREATE TABLE live_answer_switches (
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    live_id     bigint NOT NULL REFERENCES lives(id),
    kind        text NOT NULL,
    enabled     boolean NOT NULL,
    updated_by  bigint REFERENCES staff(id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (live_id, kind)
);
SELECT chotdon_tenant_wall('live_answer_switches');
