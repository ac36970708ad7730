-- Whether another object holds the name of one table's copy of a model index
-- (parting._name(<table>, p_tag), in the table's schema): a relation that is not an index on
-- that table, such as a table or an index another role with CREATE on the schema made
-- first. Returns 'table public.tweet_2027_01_body_idx owned by role mallory', or NULL. A
-- copy of that name would fail to build at every install and every `pgpart apply`; pgpart
-- neither drops nor adopts what it did not make, so that copy is skipped and said
-- (parting._skip_index), and the rest goes on.
CREATE OR REPLACE FUNCTION parting._index_taken(p_rel regclass, p_tag text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT format('%s %I.%I owned by role %s',
                parting._relkind_word(c.relkind),
                n.nspname, c.relname, pg_get_userbyid(c.relowner))
    FROM pg_class r
    JOIN pg_class c ON c.relnamespace = r.relnamespace AND c.relname = parting._name(r.relname::text, p_tag)
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE r.oid = p_rel
     AND NOT EXISTS (SELECT FROM pg_index x WHERE x.indexrelid = c.oid AND x.indrelid = r.oid)
$$;
