// Real tablespaces for the tests: each in a fresh temp directory owned by the server's OS
// user (the data directory's owner), made and dropped as the cluster's superuser. Names
// carry a random suffix: tablespaces are cluster-wide, shared by every test file.

import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteIdent, withAdmin } from './db.js';

export interface Tablespace {
  name: string;
  drop(): Promise<void>;
}


/** CREATE TABLESPACE <prefix>_<random> in a new temp dir; `grantTo` roles get CREATE on it. */
export async function createTablespace(prefix: string, grantTo: string[] = []): Promise<Tablespace> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'pgpart-space-'));
  await withAdmin(async (admin) => {
    const dataDir = String((await admin.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory);
    // As root the harness runs the server as another OS user, which must own the directory.
    if (process.getuid?.() === 0) {
      const owner = statSync(dataDir);
      chownSync(dir, owner.uid, owner.gid);
    }
    await admin.query(`CREATE TABLESPACE ${quoteIdent(name)} LOCATION '${dir.replace(/'/g, "''")}'`);
    for (const role of grantTo) await admin.query(`GRANT CREATE ON TABLESPACE ${quoteIdent(name)} TO ${quoteIdent(role)}`);
  });
  return {
    name,
    async drop() {
      await withAdmin((admin) => admin.query(`DROP TABLESPACE IF EXISTS ${quoteIdent(name)}`));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
