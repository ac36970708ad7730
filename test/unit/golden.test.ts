// Golden install scripts: each test/fixtures/<name>.config.ts, built the way the CLI builds
// it (cwd = repo root), must give exactly test/fixtures/<name>.sql, except that the static
// runtime copied from sql/ is folded to one line: it is the same for every config, and the
// database tests exercise it; the golden files pin what the config decides.
//
// After an intended change to the output (templates/, sql/, the model or the plan), review
// the diff and accept it with:
//   UPDATE_GOLDEN=1 node --import tsx test/run.ts golden
// which rewrites the golden files instead of comparing (and passes).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildFromFile } from '../../src/cli/build.js';
import { fixture, repoRoot } from './helpers.js';

const Golden = suite('golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Where two texts first differ, as a short message: line number and both lines. */
function firstDifference(want: string, got: string): string {
  const a = want.split('\n');
  const b = got.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return `first difference at line ${i + 1}:\n  golden: ${a[i] ?? '(end of file)'}\n  built:  ${b[i] ?? '(end of file)'}`;
    }
  }
  return 'the texts differ only in a trailing newline';
}

/** Replaces the runtime section (from its banner to the models banner) with one line. */
function foldRuntime(sql: string): string {
  const start = sql.indexOf('-- ── parting schema: numbered migrations');
  const end = sql.indexOf('-- ── models');
  assert.ok(start > 0 && end > start, 'the migrations and models banners are in the script');
  return `${sql.slice(0, start)}-- ── parting schema and runtime (sql/): folded in golden files ──\n\n${sql.slice(end)}`;
}

for (const name of ['seed-month', 'seed-list', 'chain']) {
  Golden(`${name}.config.ts builds to ${name}.sql`, async () => {
    const sql = foldRuntime(await buildFromFile(`test/fixtures/${name}.config.ts`, true, repoRoot));
    const file = fixture(`${name}.sql`);
    if (UPDATE) {
      writeFileSync(file, sql);
      return;
    }
    assert.ok(existsSync(file), `test/fixtures/${name}.sql is missing; create it with UPDATE_GOLDEN=1`);
    const golden = readFileSync(file, 'utf8');
    if (sql !== golden) {
      assert.unreachable(`test/fixtures/${name}.sql is out of date: ${firstDifference(golden, sql)}\n` +
        `If the change is intended: UPDATE_GOLDEN=1 node --import tsx test/run.ts golden`);
    }
  });
}

Golden.run();
