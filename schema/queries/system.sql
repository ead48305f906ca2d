-- name: record_heartbeat
INSERT INTO worker_heartbeats (worker, job_id) VALUES ($1, $2)
ON CONFLICT (job_id) DO NOTHING;

-- name: heartbeat_by_job
SELECT id, worker, job_id, beat_at FROM worker_heartbeats WHERE job_id = $1;

-- name: latest_heartbeat
SELECT id, worker, job_id, beat_at FROM worker_heartbeats ORDER BY beat_at DESC LIMIT 1;

-- name: record_oversized_delivery
-- A webhook or relay body over the size limit: refused unread, but recorded for staff.
INSERT INTO webhook_deliveries (source, verified, verification_error, headers, body, status,
                                error, processed_at)
VALUES ($1, false, 'not checked: body over the size limit', $2, ''::bytea, 'rejected', $3, now());

-- name: outbound_channel
SELECT channel_id FROM outbound_messages WHERE id = $1;
