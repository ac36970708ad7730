-- The project-wide settings, one row: what the runtime does the same way for every model
-- (each lock request's lock_timeout and the tries a step makes, the archive schema, the
-- DEFAULT partition's drain batch, the backlog a run takes on, how long parting.history
-- keeps its rows, whether a run ANALYZEs changed parents). The config has one of each; they
-- were copied into every parting.config row, where a hand-made edit to one row could make
-- models disagree. Read by parting._settings(); written by the install ('update settings').
CREATE TABLE parting.settings (
  singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  lock_timeout    text NOT NULL DEFAULT '300ms',
  lock_tries      integer NOT NULL DEFAULT 5 CHECK (lock_tries BETWEEN 1 AND 100),
  archive_schema  text NOT NULL DEFAULT 'archive',
  drain_batch     integer NOT NULL DEFAULT 10000 CHECK (drain_batch > 0),
  catch_up        integer NOT NULL DEFAULT 100 CHECK (catch_up > 0),
  history_keep    text NOT NULL DEFAULT '30 days',
  analyze_parents boolean NOT NULL DEFAULT false
);

-- An upgraded database keeps the values its config rows hold. An install wrote the same
-- values into every row, so they differ only where someone edited a row by hand; then each
-- setting takes the value that is gentlest on the live tables, or keeps the most:
--   lock_timeout     the shortest (writers queue behind a lock request no longer than that);
--   lock_tries       the most (a shorter wait gets as many tries as any model had);
--   drain_batch      the smallest, catch_up the smallest (the shortest transactions and runs);
--   history_keep     the longest (no row is pruned that some model kept; as pruning read it);
--   analyze_parents  true if any row asked for it;
--   archive_schema   the one most rows name (ties: the first by name), where archives go next.
-- A database without config rows (a fresh install) gets the defaults, which the install
-- then sets from the config.
INSERT INTO parting.settings (lock_timeout, lock_tries, archive_schema, drain_batch, catch_up, history_keep, analyze_parents)
SELECT (pg_catalog.array_agg(c.lock_timeout ORDER BY c.lock_timeout::interval, c.lock_timeout))[1],
       pg_catalog.max(c.lock_tries),
       (SELECT a.archive_schema FROM parting.config a GROUP BY a.archive_schema ORDER BY pg_catalog.count(*) DESC, a.archive_schema LIMIT 1),
       pg_catalog.min(c.drain_batch),
       pg_catalog.min(c.catch_up),
       (pg_catalog.array_agg(c.history_keep ORDER BY c.history_keep::interval DESC, c.history_keep))[1],
       pg_catalog.bool_or(c.analyze_parents)
  FROM parting.config c
HAVING pg_catalog.count(*) > 0;
INSERT INTO parting.settings DEFAULT VALUES ON CONFLICT (singleton) DO NOTHING;

-- No longer copied per model. Dropped rather than kept for a release: install.sql runs
-- every migration it needs and replaces every routine in one transaction, and the routines
-- that read these columns are PL/pgSQL (bound when called), so nothing of an earlier
-- runtime reads them in between; an older install script refuses to run over this
-- revision (it never downgrades).
ALTER TABLE parting.config
  DROP COLUMN lock_timeout,
  DROP COLUMN lock_tries,
  DROP COLUMN archive_schema,
  DROP COLUMN drain_batch,
  DROP COLUMN catch_up,
  DROP COLUMN history_keep,
  DROP COLUMN analyze_parents;
