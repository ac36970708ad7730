-- The hash-shortened form of <base>_<suffix> for names over 63 bytes (see parting._name):
-- keep a suffix of up to 40 bytes whole, shorten the base, and put the first 8 hex digits
-- of md5(full name) between them.
CREATE OR REPLACE FUNCTION parting._long_name(p_base text, p_suffix text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_full text := p_base || '_' || p_suffix;
  v_hash text := left(md5(v_full), 8);
  v_head text;
  v_room integer;
BEGIN
  IF octet_length(v_full) <= 63 THEN
    RETURN v_full;
  END IF;
  IF octet_length(p_suffix) <= 40 THEN
    v_head := p_base;
    v_room := 63 - octet_length(p_suffix) - 10;
  ELSE
    v_head := v_full;
    v_room := 63 - 9;
  END IF;
  -- Shorten by characters, not bytes, so a multibyte character is never cut in half.
  WHILE octet_length(v_head) > v_room LOOP
    v_head := left(v_head, -1);
  END LOOP;
  IF octet_length(p_suffix) <= 40 THEN
    RETURN v_head || '_' || v_hash || '_' || p_suffix;
  END IF;
  RETURN v_head || '_' || v_hash;
END;
$$;
