/**
 * `pgpart move <model> <key> <tablespace>`: the family's partition holding a key (every
 * model's table of that key, attached, detached or archived, parents first) to a tablespace.
 *
 * Without --online: parting.set_tablespace, one transaction, ACCESS EXCLUSIVE on each table
 * of the family for its copy (its readers and writers wait that long).
 *
 * With --online: pg_repack on each table, which copies it in sessions of its own while
 * writers go on (a trigger logs their changes, replayed before the swap), holding ACCESS
 * EXCLUSIVE only briefly: to add its trigger, to swap the files, to drop the old ones. It is given
 * --no-kill-backend: where it cannot have that lock (a long transaction holds the table) it
 * gives up on the table instead of cancelling and then terminating the holder's session,
 * which it does by default. Each table moved is recorded in parting.history as `moved`
 * (parting._record_move, which first checks that the table and its indexes are there).
 * Everything that would refuse is checked before the first table: the tablespace
 * (parting._tablespace_usable), the pg_repack extension in the database, a pg_repack binary
 * of the extension's version, a superuser (pg_repack's own rule).
 *
 * Returns the exit code's kind: 'ok'; 'user' for what the user must fix first; 'database'
 * where pgpart is not installed or a move failed (what moved before it is printed).
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { connect, resolveDatabaseUrl } from '../db/connect.js';
import { UserError } from './errors.js';
import { isInstalled, type Outcome } from './status.js';
import { colours, humanBytes, printTable } from './table.js';
import { printableDeep, printableLines } from './printable.js';

/** A table moved. */
export interface Moved {
  model: string;
  /** schema.table, as it is named now. */
  table: string;
  from: string;
  to: string;
  /** The table's and its indexes' size (set_tablespace: before the copy; pg_repack: after, where it is now). */
  bytes: number;
  /** The time its copy took (pg_repack: the whole run on it). */
  ms: number | null;
}

export interface MoveReport {
  model: string;
  key: string;
  tablespace: string;
  how: 'set_tablespace' | 'pg_repack';
  moved: Moved[];
  /** --online: tables already in the tablespace (with their indexes), left as they are. */
  unchanged: { model: string; table: string }[];
  /** The pg_repack binary used and its version. */
  pgRepack?: { path: string; version: string };
  ms: number;
}

export interface MoveOptions {
  databaseUrl?: string;
  online: boolean;
  json: boolean;
  pgRepack?: string;
  /** pg_repack's --wait-timeout: seconds it tries for each ACCESS EXCLUSIVE before it gives up on the table. */
  waitTimeout?: number;
}

/** One table of the family as parting._family_of gives it, with what the move needs. */
interface Member {
  model: string;
  /** pg_class oid, as text. */
  oid: string;
  table: string;
  state: string;
  tablespace: string;
  bytes: number;
  /** The table and every one of its indexes are in the target tablespace already. */
  there: boolean;
}

export async function moveCommand(model: string, key: string, tablespace: string, opts: MoveOptions): Promise<Outcome> {
  const client = await connect(resolveDatabaseUrl(opts.databaseUrl));
  client.on('notice', (n) => process.stderr.write(`${n.severity ?? 'NOTICE'}: ${printableLines(n.message ?? '')}\n`));
  const started = Date.now();
  let report: MoveReport;
  let failure: string | undefined;
  try {
    if (!(await isInstalled(client))) return 'database';
    // The model and the key first: an unknown one is the database's error, as in every command.
    const family = await familyOf(client, model, key, tablespace);
    await tablespaceUsable(client, model, tablespace);
    if (!opts.online) {
      report = { model, key, tablespace, how: 'set_tablespace', moved: await setTablespace(client, model, key, tablespace), unchanged: [], ms: 0 };
    } else {
      const repack = await pgRepackReady(client, opts.pgRepack);
      report = { model, key, tablespace, how: 'pg_repack', moved: [], unchanged: [], pgRepack: { path: repack.path, version: repack.version }, ms: 0 };
      const env = libpqEnv(client, opts.databaseUrl ?? process.env.DATABASE_URL);
      const database = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
      for (const first of family) {
        // Asked again before each table, by oid: a detach or an archive may have renamed it meanwhile.
        const m = (await familyOf(client, model, key, tablespace)).find((x) => x.oid === first.oid);
        if (!m) continue; // dropped meanwhile: nothing to move
        if (m.there) {
          report.unchanged.push({ model: m.model, table: m.table });
          continue;
        }
        const t0 = Date.now();
        const run = await runPgRepack(repack.path, ['--no-password', `--dbname=${conninfoQuote(database)}`, `--table=${m.table}`,
          `--tablespace=${tablespace}`, '--moveidx', '--no-order', '--no-kill-backend',
          ...(opts.waitTimeout === undefined ? [] : [`--wait-timeout=${opts.waitTimeout}`])], env);
        const ms = Date.now() - t0;
        if (run.code !== 0) {
          failure = `pg_repack failed on ${m.table} (exit ${run.code}): ${lastLines(run.output)}`;
          break;
        }
        try {
          const bytes = (await client.query<{ bytes: string }>(
            `SELECT parting._record_move($1, $2::oid::regclass, $3, $4, 'pg_repack', make_interval(secs => $5::float8 / 1000)) AS bytes`,
            [m.model, m.oid, tablespace, m.tablespace, ms])).rows[0]!.bytes;
          report.moved.push({ model: m.model, table: m.table, from: m.tablespace, to: tablespace, bytes: Number(bytes), ms });
        } catch (err) {
          const e = err as { message: string; detail?: string };
          failure = `${e.message}${e.detail ? ` (${e.detail})` : ''}; pg_repack said: ${lastLines(run.output) || 'nothing'}`;
          break;
        }
      }
    }
  } finally {
    await client.end();
  }
  report.ms = Date.now() - started;
  if (opts.json) process.stdout.write(`${JSON.stringify(failure ? { ...report, error: failure } : report, null, 2)}\n`);
  else printMove(printableDeep(report));
  if (failure) {
    process.stderr.write(`${printableLines(failure)}\n`);
    return 'database';
  }
  return 'ok';
}

/** parting._family_of, with each table's qualified name, size and whether it (and its indexes) are in `tablespace` already. */
async function familyOf(client: pg.Client, model: string, key: string, tablespace: string): Promise<Member[]> {
  const { rows } = await client.query<Omit<Member, 'bytes'> & { bytes: string }>(`
    SELECT f.model, f.rel::oid::text AS oid, format('%I.%I', n.nspname, r.relname) AS table, f.state,
           f.tablespace::text AS tablespace, pg_total_relation_size(f.rel) AS bytes,
           f.tablespace = $3 AND NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = f.rel
                                                AND parting._tablespace_of(i.indexrelid) <> $3) AS there
      FROM parting._family_of($1, $2) WITH ORDINALITY AS f(model, rel, state, tablespace, ord)
      JOIN pg_class r ON r.oid = f.rel
      JOIN pg_namespace n ON n.oid = r.relnamespace
     ORDER BY f.ord`, [model, key, tablespace]);
  return rows.map((r) => ({ ...r, bytes: Number(r.bytes) }));
}

/** parting._tablespace_usable's refusals (no such tablespace, no CREATE on it) are the user's to fix: exit 1. */
async function tablespaceUsable(client: pg.Client, model: string, tablespace: string): Promise<void> {
  try {
    await client.query('SELECT parting._tablespace_usable(parting._model($1), $2)', [model, tablespace]);
  } catch (err) {
    const e = err as { code?: string; message: string; hint?: string };
    if (e.code === '42704' || e.code === '42501') throw new UserError(`${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}`);
    throw err;
  }
}

async function setTablespace(client: pg.Client, model: string, key: string, tablespace: string): Promise<Moved[]> {
  const since = (await client.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM parting.history')).rows[0]!.id;
  const { rows } = await client.query<{ model: string; table: string; relname: string; from: string; to: string; bytes: string }>(`
    SELECT s.model, format('%I.%I', n.nspname, r.relname) AS table, r.relname::text AS relname,
           s.moved_from::text AS from, s.tablespace::text AS to, s.bytes
      FROM parting.set_tablespace($1, $2, $3) WITH ORDINALITY AS s(model, partition, tablespace, moved_from, bytes, ord)
      JOIN pg_class r ON r.oid = s.partition
      JOIN pg_namespace n ON n.oid = r.relnamespace
     ORDER BY s.ord`, [model, key, tablespace]);
  // Each table's copy, as parting._move_table logged it.
  const { rows: took } = await client.query<{ model: string; partition: string; ms: number }>(`
    SELECT model, partition, round(extract(epoch FROM duration) * 1000)::float8 AS ms FROM parting.history
     WHERE id > $1 AND action = 'moved' AND detail->>'why' = 'set_tablespace'`, [since]);
  return rows.map((r) => ({
    model: r.model, table: r.table, from: r.from, to: r.to, bytes: Number(r.bytes),
    ms: took.find((t) => t.model === r.model && t.partition === r.relname)?.ms ?? null,
  }));
}

// ── pg_repack ─────────────────────────────────────────────────────────────

/** Everything --online needs of the database and this machine, or a UserError saying what to do. */
async function pgRepackReady(client: pg.Client, override: string | undefined): Promise<{ path: string; version: string }> {
  const { rows: [db] } = await client.query<{ db: string; major: number; installed: string | null; available: string | null; superuser: string }>(`
    SELECT current_database() AS db, current_setting('server_version_num')::int / 10000 AS major,
           (SELECT extversion FROM pg_extension WHERE extname = 'pg_repack') AS installed,
           (SELECT default_version FROM pg_available_extensions WHERE name = 'pg_repack') AS available,
           current_setting('is_superuser') AS superuser`);
  const { db: database, major, installed, available, superuser } = db!;
  if (installed === null) {
    throw new UserError(available === null
      ? `--online needs the pg_repack extension, and this server has none: install it on the server (Debian: postgresql-${major}-repack), `
        + `then a superuser runs CREATE EXTENSION pg_repack in database "${database}"; or move without --online (ACCESS EXCLUSIVE for the copy)`
      : `--online needs the pg_repack extension in database "${database}": a superuser runs CREATE EXTENSION pg_repack there `
        + `(the server has version ${available}); or move without --online (ACCESS EXCLUSIVE for the copy)`);
  }
  if (superuser !== 'on') {
    throw new UserError('--online runs pg_repack, which must connect as a superuser (this role is not one): '
      + 'use a superuser\'s --database-url, or move without --online (ACCESS EXCLUSIVE for the copy)');
  }
  const candidates = override ? [override] : pgRepackCandidates(major);
  const found: { path: string; version: string | null }[] = [];
  for (const p of candidates) {
    if (!executable(p)) continue;
    const version = await binaryVersion(p);
    if (version === installed) return { path: p, version };
    found.push({ path: p, version });
  }
  if (override && found.length === 0) throw new UserError(`--pg-repack ${override}: no such executable`);
  if (found.length === 0) {
    throw new UserError(`pg_repack not found (looked on PATH, in pg_config --bindir and in /usr/lib/postgresql/${major}/bin): `
      + `install it (Debian: postgresql-${major}-repack, the client of the extension's version ${installed}) or give --pg-repack <path>`);
  }
  throw new UserError(`the pg_repack extension in database "${database}" is version ${installed}, and pg_repack's client must be the same: found `
    + `${found.map((f) => `${f.path} (${f.version ?? 'no version'})`).join(', ')}; give the right one with --pg-repack <path>`);
}

/** On PATH, then `pg_config --bindir`, then Debian's directory of the server's major; each once. */
function pgRepackCandidates(major: number): string[] {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'pg_repack'));
  const list = [...onPath];
  const pgConfig = onPath.map((p) => path.join(path.dirname(p), 'pg_config')).find(executable);
  if (pgConfig) {
    const bindir = outputOf(pgConfig, ['--bindir']);
    if (bindir) list.push(path.join(bindir, 'pg_repack'));
  }
  list.push(`/usr/lib/postgresql/${major}/bin/pg_repack`);
  return [...new Set(list)];
}

/** A command's one line of output ('' when it fails): pg_config --bindir. */
function outputOf(file: string, args: string[]): string {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : '';
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `pg_repack 1.4.8` → `1.4.8`; null when it does not say. */
function binaryVersion(p: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(p, ['--version'], { timeout: 10_000 }, (err, stdout) => {
      resolve(err ? null : (/pg_repack\s+(\S+)/.exec(String(stdout))?.[1] ?? null));
    });
  });
}

/** Runs pg_repack; its lines go to stderr as they come (stdout is this command's result) and are kept for an error message. */
function runPgRepack(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output += text;
      process.stderr.write(text.replace(/^(?=.)/gm, 'pg_repack: '));
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

function lastLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(-n).join(' / ');
}

/** A value for a libpq conninfo string: pg_repack puts its --dbname into one as it is given. */
function conninfoQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** libpq parameters a URL's query may carry, and the PG* variable each is. */
const LIBPQ_ENV: Record<string, string> = {
  host: 'PGHOST', hostaddr: 'PGHOSTADDR', port: 'PGPORT', user: 'PGUSER', password: 'PGPASSWORD', passfile: 'PGPASSFILE',
  options: 'PGOPTIONS', application_name: 'PGAPPNAME', sslmode: 'PGSSLMODE', sslrootcert: 'PGSSLROOTCERT', sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY', sslcrl: 'PGSSLCRL', sslnegotiation: 'PGSSLNEGOTIATION', connect_timeout: 'PGCONNECT_TIMEOUT', service: 'PGSERVICE',
  target_session_attrs: 'PGTARGETSESSIONATTRS', gssencmode: 'PGGSSENCMODE', channel_binding: 'PGCHANNELBINDING',
  krbsrvname: 'PGKRBSRVNAME', requirepeer: 'PGREQUIREPEER', client_encoding: 'PGCLIENTENCODING',
};

/**
 * The environment pg_repack connects with: the server, port, user and password this
 * command's own connection used (node-postgres resolved them from the URL and the PG*
 * variables), as libpq's PG* variables, so no password is on a command line (`ps` shows
 * those) and pg_repack 1.4.8, which takes no URL, reaches the same server. The URL's libpq
 * parameters (sslmode, …) come along.
 */
function libpqEnv(client: pg.Client, url: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    for (const [k, v] of new URL(url).searchParams) if (LIBPQ_ENV[k]) env[LIBPQ_ENV[k]!] = v;
  }
  if (client.host) env.PGHOST = client.host;
  if (client.port) env.PGPORT = String(client.port);
  if (client.user) env.PGUSER = client.user;
  if (typeof client.password === 'string' && client.password !== '') env.PGPASSWORD = client.password;
  // node-postgres's `ssl=true` (no libpq sslmode given): at least encrypted, as it was.
  if (client.ssl && !env.PGSSLMODE) env.PGSSLMODE = 'require';
  return env;
}

// ── output ────────────────────────────────────────────────────────────────

function printMove(r: MoveReport): void {
  const out = (line = ''): void => { process.stdout.write(`${line}\n`); };
  const c = colours(process.stdout);
  const how = r.how === 'pg_repack'
    ? `online with ${r.pgRepack!.path} ${r.pgRepack!.version} (writers go on; ACCESS EXCLUSIVE briefly at each table's start, swap and drop)`
    : 'with parting.set_tablespace (ACCESS EXCLUSIVE on each table for its copy)';
  out(`${c.bold(`${r.model} ${r.key}`)} → ${r.tablespace}, ${how}`);
  if (r.moved.length) {
    printTable(r.moved.map((m) => ({
      model: m.model, table: m.table, from: m.from, to: m.to, size: humanBytes(m.bytes), time: m.ms === null ? '' : `${m.ms} ms`,
    })), out, { right: ['size', 'time'] });
  }
  for (const u of r.unchanged) out(`   ${u.table} (${u.model}) is in ${r.tablespace} already, with its indexes: left as it is`);
  const bytes = r.moved.reduce((n, m) => n + m.bytes, 0);
  out(`${r.moved.length} table(s) moved, ${humanBytes(bytes)}, in ${r.ms} ms`);
}
