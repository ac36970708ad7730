/**
 * Where to connect: `--database-url`, else DATABASE_URL. Anything the URL leaves out (or all
 * of it, when there is no URL) comes from the PG* variables, which node-postgres reads
 * itself the way libpq/psql do, so this module does not re-implement them.
 */
import pg from 'pg';

/** The explicit URL, else DATABASE_URL; undefined when neither is set (or either is empty). */
export function resolveDatabaseUrl(explicit?: string): string | undefined {
  return explicit || process.env.DATABASE_URL || undefined;
}

/** The URL with its password replaced by `***`, fit to print. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    // Not a URL (a socket path, a key=value string): hide anything that looks like a password.
    return url.replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
  }
}

/**
 * A connected client. A failure to reach the server is rethrown with SQLSTATE 08001, so the
 * CLI reports it as a database error (exit 2) naming the (masked) target, not as a crash;
 * errors the server itself sends (bad password, no such database) keep their own code.
 */
export async function connect(url?: string): Promise<pg.Client> {
  const client = new pg.Client(url ? { connectionString: url } : {});
  // An idle client whose backend goes away emits 'error'; unhandled, that kills the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    if (typeof (err as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code)) throw err;
    const where = url ? maskUrl(url) : 'the server named by the PG* variables';
    // Node's AggregateError (IPv6 and IPv4 both refused) has an empty message; its code does not.
    const why = (err as Error).message || String((err as { code?: unknown }).code ?? err);
    throw Object.assign(new Error(`cannot connect to ${where}: ${why}`), { code: '08001' });
  }
  return client;
}
