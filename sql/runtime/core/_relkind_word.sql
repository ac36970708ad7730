-- What a pg_class row is, in the words a message names it by ('table', 'index', 'sequence',
-- …): the messages that say which object of another role holds a name pgpart needs.
CREATE OR REPLACE FUNCTION parting._relkind_word(p_relkind "char")
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE p_relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index'
                        WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                        WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'type' ELSE 'relation' END
$$;
