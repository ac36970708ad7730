-- The statements that make a model's parent table as the config defines it: columns as
-- written, primary key and unique constraints under pgpart's names, PARTITION BY its key,
-- its tablespace (the default for its partitions), NOT NULL constraints named by pgpart
-- (PostgreSQL 18), then its indexes. A new, empty table: nothing waits for it.
CREATE OR REPLACE FUNCTION parting._create_model(p_m jsonb)
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH cfg AS (SELECT parting._config_row(p_m -> 'config') AS c),
  parent AS (SELECT format('%I.%I', (c).schema_name, (c).table_name) AS name, (c).strategy, (c).key_column, (c).tablespace FROM cfg)
  SELECT ARRAY[format('CREATE TABLE %s (%s) PARTITION BY %s (%I)%s', parent.name,
                      (SELECT string_agg(d, ', ' ORDER BY n) FROM (
                         SELECT format('%I %s', col ->> 'name', col ->> 'definition') AS d, n
                           FROM jsonb_array_elements(p_m -> 'columns') WITH ORDINALITY AS x(col, n)
                         UNION ALL
                         SELECT format('CONSTRAINT %I %s (%s)', k ->> 'name', CASE k ->> 'kind' WHEN 'primary' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END,
                                       (SELECT string_agg(format('%I', col), ', ') FROM jsonb_array_elements_text(k -> 'columns') col)),
                                1000000 + n
                           FROM jsonb_array_elements(p_m -> 'constraints') WITH ORDINALITY AS y(k, n)) defs),
                      upper(parent.strategy), parent.key_column,
                      CASE WHEN parent.tablespace IS NULL THEN '' ELSE format(' TABLESPACE %I', parent.tablespace) END),
               format('CALL parting._not_null_names(%L)', parent.name)]
         || ARRAY(SELECT format('CREATE INDEX %I ON %s USING %I (%s)', ix ->> 'name', parent.name, ix ->> 'method',
                                (SELECT string_agg(format('%I', col), ', ') FROM jsonb_array_elements_text(ix -> 'columns') col))
                    FROM jsonb_array_elements(p_m -> 'indexes') WITH ORDINALITY AS z(ix, n) ORDER BY n)
    FROM parent
$$;
