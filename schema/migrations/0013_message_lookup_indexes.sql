-- Indexes for the lookups every buyer message makes (order_for_message): when the buyer last
-- wrote on the channel (Zalo's 7-day window), and whether the order already had a Facebook
-- message. Without them each message read every comment of the cooperative: 225 ms per message
-- at 100,000 comments, and Postgres's CPU was mostly that in the chaos run (890 million comment
-- rows read by sequential scans in one run).
CREATE INDEX comments_author_idx ON comments (channel_id, author_external_id, commented_at);
CREATE INDEX outbound_messages_order_idx ON outbound_messages (order_id, kind)
    WHERE order_id IS NOT NULL;
