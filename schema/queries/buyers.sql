-- name: set_identity_phones
UPDATE buyer_identities AS b SET phone = u.phone
FROM unnest($1::bigint[], $2::text[]) AS u(id, phone)
WHERE b.id = u.id;

-- name: session_is_sandbox
-- A rehearsal's buyers are sandbox buyers: their phones match only other sandbox buyers'.
SELECT chotdon_sandbox($1);

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
