-- Staff screens (issue 20): every live named with its date, time and channels, and TikTok under
-- one name. Functions only; no table, no data changed.

-- The platform a channel is shown as: a relay channel carries the comments of a platform with no
-- comment API (TikTok LIVE, through a bridge on the streaming PC), so it is shown as that
-- platform (settings.source, TikTok when unset), never as "relay".
CREATE FUNCTION chotdon_shown_platform(platform text, settings jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN platform = 'relay'
                THEN coalesce(nullif(settings->>'source', ''), 'tiktok')
                ELSE coalesce(platform, 'manual') END
$$;

-- "20:30 06/12/2026 · Facebook, TikTok, Zalo · Phiên live tối: gạo, mật ong": when the live started
-- (Vietnam time; created when not started yet), the platforms it ran on, its title. Two lives
-- with the same title now read apart in every list, filter and report.
CREATE FUNCTION chotdon_live_label(live bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT concat_ws(' · ',
        to_char(coalesce(l.started_at, l.created_at) AT TIME ZONE 'Asia/Ho_Chi_Minh',
                'HH24:MI DD/MM/YYYY'),
        (SELECT string_agg(shown, ', ' ORDER BY shown)
         FROM (SELECT DISTINCT CASE chotdon_shown_platform(c.platform, c.settings)
                   WHEN 'facebook' THEN 'Facebook' WHEN 'tiktok' THEN 'TikTok'
                   WHEN 'zalo' THEN 'Zalo' ELSE 'Nhập tay' END AS shown
               FROM live_sessions s JOIN channels c ON c.id = s.channel_id
               WHERE s.live_id = l.id AND s.external_live_id <> 'zalo-chat') AS p),
        nullif(l.title, ''))
    FROM lives l WHERE l.id = live
$$;
