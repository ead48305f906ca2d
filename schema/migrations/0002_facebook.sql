-- Facebook connector.
-- live_sessions.video_id: the video a live becomes (feed comment webhooks name its post, not the
-- live video id). channels.status_reason: why a channel is disconnected, shown to staff (an
-- expired Page token). outbound_messages.target: where a message goes (comment id, PSID,
-- messaging_type, tag), so a job can send it from the row alone.
ALTER TABLE live_sessions ADD COLUMN video_id text;
CREATE INDEX live_sessions_video_idx ON live_sessions (channel_id, video_id) WHERE video_id IS NOT NULL;
ALTER TABLE channels ADD COLUMN status_reason text;
ALTER TABLE outbound_messages ADD COLUMN target jsonb NOT NULL DEFAULT '{}'::jsonb;
