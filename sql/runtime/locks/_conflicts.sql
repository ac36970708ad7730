-- The pg_locks modes a lock of the given mode (as LOCK TABLE spells it) conflicts with:
-- PostgreSQL's table-level lock conflict matrix.
CREATE OR REPLACE FUNCTION parting._conflicts(p_mode text)
RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE upper(p_mode)
    WHEN 'ACCESS SHARE' THEN ARRAY['AccessExclusiveLock']
    WHEN 'ROW SHARE' THEN ARRAY['ExclusiveLock', 'AccessExclusiveLock']
    WHEN 'ROW EXCLUSIVE' THEN ARRAY['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock']
    WHEN 'SHARE UPDATE EXCLUSIVE' THEN ARRAY['ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock',
                                             'AccessExclusiveLock']
    WHEN 'SHARE' THEN ARRAY['RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock',
                            'AccessExclusiveLock']
    WHEN 'SHARE ROW EXCLUSIVE' THEN ARRAY['RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock',
                                          'ExclusiveLock', 'AccessExclusiveLock']
    WHEN 'EXCLUSIVE' THEN ARRAY['RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock',
                                'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock']
    WHEN 'ACCESS EXCLUSIVE' THEN ARRAY['AccessShareLock', 'RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock',
                                       'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock']
  END
$$;
