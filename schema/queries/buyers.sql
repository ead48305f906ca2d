-- name: set_identity_phones
UPDATE buyer_identities AS b SET phone = u.phone
FROM unnest($1::bigint[], $2::text[]) AS u(id, phone)
WHERE b.id = u.id;

-- name: buyers_by_phones
-- $3 the live whose comments gave the phones: a sandbox live's buyers match only sandbox buyers,
-- a real live's only real ones (a replayed phone never links a rehearsal to a real buyer).
SELECT phone, id FROM buyers
WHERE tenant_id = $1 AND phone = ANY($2::text[]) AND sandbox = chotdon_sandbox($3);

-- name: lock_phones
-- Two merges (of two lives) claiming the same new phone at once take turns; locks are taken in
-- one fixed order so they cannot deadlock.
SELECT pg_advisory_xact_lock(hashtext('chotdon.phone'), hashtext($1::bigint::text || ':' || p))
FROM (SELECT DISTINCT p FROM unnest($2::text[]) AS t(p) ORDER BY p) AS sorted;

-- name: claim_phones
UPDATE buyers AS b SET phone = u.phone
FROM unnest($1::bigint[], $2::text[]) AS u(buyer_id, phone)
WHERE b.id = u.buyer_id AND b.phone IS NULL
RETURNING b.id, b.phone;

-- name: relink_identities
-- Each identity joins the buyer who owns its phone. Its open orders follow in the merge of each
-- live (aggregator/orders/consolidate.py), under that live's lock: touching another live's
-- orders here would deadlock with that live's merge.
UPDATE buyer_identities AS b SET buyer_id = u.buyer_id
FROM unnest($1::bigint[], $2::bigint[]) AS u(identity_id, buyer_id)
WHERE b.id = u.identity_id;
