-- The partition-name suffix of a list key. Plain lower-case keys are used as they are
-- ('baz' -> tweet_baz); any other key becomes '_x' followed by the hex of its UTF-8 bytes,
-- which is safe in any identifier, reversible, and cannot clash with a plain key, since
-- plain keys never start with '_'. "Other" includes keys with spaces, capitals, quotes or
-- non-ASCII, 'default' (the default partition's suffix), and keys ending in a word that
-- ends pgpart's index and constraint names (tweet_cd_pkey is the primary key of tweet_cd,
-- so key 'cd_pkey' must not make a partition of that name) or a sequence's (_seq).
CREATE OR REPLACE FUNCTION parting._list_suffix(p_key text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN p_key ~ '^[a-z0-9][a-z0-9_]*$'
     AND p_key !~ '(^|_)(default|pkey|key|idx|fkey|uniq|bound|seq)$' THEN p_key
    ELSE '_x' || encode(convert_to(p_key, 'UTF8'), 'hex')
  END
$$;
