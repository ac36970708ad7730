-- Whether a partition foreign key (the constraint p_con) has the shape parting._fk_clause
-- gives for the table it references: columns, referenced columns, ON UPDATE and ON DELETE.
-- Whether it is valid is another question (NOT VALID is left out of the comparison).
CREATE OR REPLACE FUNCTION parting._fk_matches(p_cfg parting.config, p_con oid)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT regexp_replace(pg_get_constraintdef(k.oid), ' NOT VALID$', '') = parting._fk_clause(p_cfg, k.confrelid::regclass::text)
    FROM pg_constraint k
   WHERE k.oid = p_con
$$;
