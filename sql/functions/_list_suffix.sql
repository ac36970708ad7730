-- The partition-name suffix of a list key. Plain lower-case keys are used as they are
-- ('baz' -> tweet_baz); any other key (spaces, capitals, quotes, non-ASCII, 'default')
-- becomes '_x' followed by the hex of its UTF-8 bytes, which is safe in any identifier,
-- reversible, and cannot clash with a plain key, since plain keys never start with '_'.
CREATE OR REPLACE FUNCTION parting._list_suffix(p_key text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN p_key ~ '^[a-z0-9][a-z0-9_]*$' AND p_key <> 'default' THEN p_key
    ELSE '_x' || encode(convert_to(p_key, 'UTF8'), 'hex')
  END
$$;
