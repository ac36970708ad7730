-- Retired: parting._blocker(regclass[], text[], interval) read a holder's age from
-- pg_stat_activity alone; it now also takes what the caller saw of open transactions
-- (parting._first_seen), and an older install's three-argument one must not linger beside it.
DROP FUNCTION IF EXISTS parting._blocker(regclass[], text[], interval);
