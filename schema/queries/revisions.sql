-- name: comments_to_revise
-- $1 platform, $2 channel external ids, $3 comment external ids. The stored comments a batch of
-- edits and removals names, with what their text is read against (tenant, live keywords). Found
-- by their key in comment_keys, then by primary key in their month (0040).
SELECT c.id, c.channel_external_id, c.external_id, c.tenant_id, l.keywords
FROM unnest($2::text[], $3::text[]) AS t(channel_external_id, external_id)
JOIN comment_keys k ON k.platform = $1 AND k.channel_external_id = t.channel_external_id
                   AND k.external_id = t.external_id
JOIN comments c ON c.id = k.comment_id AND c.received_at = k.received_at
LEFT JOIN live_sessions s ON s.id = c.session_id
LEFT JOIN lives l ON l.id = s.live_id;

-- name: revise_comments
-- $1 comment ids, $2 new bodies (NULL: removed), $3 intents, $4 readings, $5 phones, $6 the
-- platform's time of each revision. A revision older than the last one applied, one that changes
-- nothing, or one of a removed comment is skipped, so a retried webhook changes nothing twice.
-- A comment the merge applied as an order or a cancel goes back to 'pending' remembering what it
-- said then (`replaced`, kept from the first revision until the merge has run), so the merge
-- recomputes the lines it named. Any other merged comment that is edited is merged again as if
-- new; a removed one that changed nothing, or was never merged, is simply ignored.
WITH input AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[], $5::text[],
                         $6::timestamptz[]) AS t(id, body, intent, parsed, phone, revised_at)
), target AS (
    SELECT c.id,
           c.status = 'processed' AND c.intent IN ('order', 'cancel') AS merged,
           CASE WHEN c.status = 'processed' AND c.intent IN ('order', 'cancel')
                  OR c.replaced IS NOT NULL THEN 'pending'
                WHEN i.body IS NULL AND c.status IN ('pending', 'processed') THEN 'ignored'
                WHEN c.status = 'processed' THEN 'pending'
                ELSE c.status END AS status
    FROM comments c JOIN input i ON i.id = c.id
    WHERE c.removed_at IS NULL
      AND (c.revised_at IS NULL OR c.revised_at < i.revised_at)
      AND (i.body IS NULL OR i.body IS DISTINCT FROM c.body)
    FOR UPDATE OF c
)
UPDATE comments AS c
SET body = coalesce(i.body, c.body),
    intent = coalesce(i.intent, c.intent),
    parsed = coalesce(i.parsed, c.parsed),
    phone = CASE WHEN i.body IS NULL THEN c.phone ELSE i.phone END,
    revised_at = i.revised_at,
    removed_at = CASE WHEN i.body IS NULL THEN i.revised_at END,
    replaced = CASE WHEN t.merged THEN coalesce(c.replaced, c.parsed) ELSE c.replaced END,
    status = t.status,
    processed_at = CASE WHEN t.status = 'ignored' THEN now() ELSE c.processed_at END
FROM input i JOIN target t ON t.id = i.id
WHERE c.id = i.id
RETURNING c.session_id, c.status;
