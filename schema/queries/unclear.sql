-- The unclear-comments queue: order lines the merge could not read (unknown code, "+1", "ib")
-- and order comments it could not place in any line. Scoped by the staff member's tenant id.

-- name: unclear_lines
-- $1 tenant id, $2 limit. Unclear lines of open orders with the comment that made them.
SELECT i.id AS line_id, i.order_id, i.code, i.qty, o.order_no, o.status,
       c.id AS comment_id, c.body, c.author_name, c.commented_at, c.platform,
       chotdon_live_label(ls.live_id) AS live_title
FROM order_items i
JOIN orders o ON o.id = i.order_id AND o.tenant_id = i.tenant_id
LEFT JOIN comments c ON c.id = i.source_comment_id AND c.tenant_id = i.tenant_id
LEFT JOIN live_sessions ls ON ls.id = o.session_id
WHERE i.tenant_id = $1 AND i.status = 'unclear' AND NOT coalesce(ls.sandbox, false)
  AND o.status IN ('draft', 'awaiting_confirmation', 'confirmed')
ORDER BY c.commented_at DESC NULLS LAST, i.id DESC
LIMIT $2;

-- name: unplaced_comments
-- $1 tenant id, $2 limit. Order comments with no product read from them that made no line (the
-- buyer's order already had lines, so no unclear line was added), not yet dismissed.
SELECT c.id AS comment_id, c.body, c.author_name, c.commented_at, c.platform,
       chotdon_live_label(ls.live_id) AS live_title
FROM comments c
LEFT JOIN live_sessions ls ON ls.id = c.session_id
WHERE c.tenant_id = $1 AND c.status = 'processed' AND c.intent = 'order'
  AND NOT coalesce(ls.sandbox, false)
  AND jsonb_array_length(coalesce(c.parsed -> 'items', '[]'::jsonb)) = 0
  AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.source_comment_id = c.id)
ORDER BY c.commented_at DESC, c.id DESC
LIMIT $2;

-- name: lock_unplaced_comment
-- $1 tenant id, $2 comment id. The comment locked, with the buyer identity that wrote it.
SELECT c.id, c.session_id, c.author_external_id, bi.id AS identity_id, bi.buyer_id
FROM comments c
JOIN buyer_identities bi ON bi.channel_id = c.channel_id
    AND bi.external_user_id = c.author_external_id AND bi.tenant_id = c.tenant_id
WHERE c.tenant_id = $1 AND c.id = $2 AND c.status = 'processed' AND c.intent = 'order'
  AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.source_comment_id = c.id)
FOR UPDATE OF c;

-- name: dismiss_comment
-- $1 tenant id, $2 comment id. "Not an order": the comment leaves the queue.
UPDATE comments SET status = 'ignored'
WHERE tenant_id = $1 AND id = $2 AND status = 'processed' AND intent = 'order'
  AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.source_comment_id = comments.id)
RETURNING id;

-- name: open_order_of_buyer_in_live
-- $1 session id, $2 buyer id: the buyer's open comment order in the session's live, whatever
-- channel it came in on (one per buyer per live).
SELECT o.id FROM orders o JOIN live_sessions s ON s.live_id = o.live_id
WHERE s.id = $1 AND o.buyer_id = $2 AND o.source <> 'platform'
  AND o.status IN ('draft', 'awaiting_confirmation', 'confirmed');

-- name: order_of_unclear_line
-- $1 tenant id, $2 line id.
SELECT order_id FROM order_items WHERE tenant_id = $1 AND id = $2 AND status = 'unclear';
