-- name: stale_pending_messages
-- Buyer messages still waiting to be sent well after they were queued: their send job may have
-- been lost with Redis or with a killed worker. Delivery news (shipment_*) has no sender yet.
SELECT id, kind FROM outbound_messages
WHERE status = 'pending' AND (kind LIKE 'facebook.%' OR kind LIKE 'zalo.%' OR kind LIKE 'tiktok.%')
  AND created_at < now() - make_interval(secs => $1)
ORDER BY id
LIMIT $2;
