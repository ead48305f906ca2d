-- name: record_heartbeat
INSERT INTO worker_heartbeats (worker, job_id) VALUES ($1, $2)
ON CONFLICT (job_id) DO NOTHING;

-- name: heartbeat_by_job
SELECT id, worker, job_id, beat_at FROM worker_heartbeats WHERE job_id = $1;

-- name: latest_heartbeat
SELECT id, worker, job_id, beat_at FROM worker_heartbeats ORDER BY beat_at DESC LIMIT 1;

-- name: outbound_channel
SELECT channel_id FROM outbound_messages WHERE id = $1;
