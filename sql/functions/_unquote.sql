-- One value of a partition bound as pg_get_expr prints it: '…' with doubled quotes, or a
-- bare number or keyword (MAXVALUE), kept as it is.
CREATE OR REPLACE FUNCTION parting._unquote(p_text text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN p_text LIKE '''%''' THEN replace(substr(p_text, 2, length(p_text) - 2), '''''', '''') ELSE p_text END
$$;
