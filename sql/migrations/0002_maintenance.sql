-- Maintenance: where archived partitions go, how many default-partition rows move per
-- transaction, how many times a lock is asked for before a step gives up.
ALTER TABLE parting.config ADD COLUMN archive_schema text NOT NULL DEFAULT 'archive';
ALTER TABLE parting.config ADD COLUMN drain_batch integer NOT NULL DEFAULT 10000 CHECK (drain_batch > 0);
ALTER TABLE parting.config ADD COLUMN lock_tries integer NOT NULL DEFAULT 5 CHECK (lock_tries BETWEEN 1 AND 100);

-- Partitions that exist as tables but are not attached to their model's parent: detached
-- (retention or by hand), archived (attached to the archive table instead), filling
-- (a new partition receiving default-partition rows in batches, attached when the last
-- batch moves), or detaching (`pgpart maintain` is detaching it CONCURRENTLY, which
-- takes two transactions of its own). The catalog cannot say which model and key a
-- detached table belongs to; this table does, and parting.partitions() shows only rows
-- whose table still exists.
CREATE TABLE parting.offline (
  model       text NOT NULL,
  suffix      text NOT NULL,
  schema_name text NOT NULL,
  table_name  text NOT NULL,
  lower       text,
  upper       text,
  state       text NOT NULL CHECK (state IN ('detached', 'archived', 'filling', 'detaching')),
  since       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, suffix)
);

-- Replaced by parting._lock and the per-family creation of this revision.
DROP FUNCTION IF EXISTS parting._exec(text, text, integer);
DROP FUNCTION IF EXISTS parting._create_partition(parting.config, text, text, text, boolean);
DROP FUNCTION IF EXISTS parting._create_family(parting.config, text, boolean);
