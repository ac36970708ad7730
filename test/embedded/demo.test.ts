// `pgpart demo` with no server at all, the way a new user first runs it: the built CLI
// (dist/, so run `tsc` first; npm test does) in a child process, with no DATABASE_URL nor
// PG*, on the embedded PGlite (PostgreSQL 18 in WASM). Needs no test server, so it runs once.

import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { maskUrl } from '../../src/db/connect.js';
import { cli, runCli } from '../harness/cli.js';
import { assertNarration, envWithoutDatabase } from '../harness/demo.js';

const Demo = suite('demo on the embedded PGlite');

Demo.before(() => {
  if (!existsSync(cli)) {
    const msg = `${cli} is missing: run \`npx tsc -p .\` first (npm test does)`;
    console.error(msg); // uvu swallows errors thrown by before() hooks
    throw new Error(msg);
  }
});

Demo('with no DATABASE_URL nor PG*, runs on the embedded PGlite (PostgreSQL 18)', async () => {
  const r = await runCli(['demo'], envWithoutDatabase());
  assert.is(r.code, 0, `exit ${r.code}\n${r.stderr}\n${r.stdout}`);
  assert.match(r.stdout, /^engine: embedded PGlite \(PostgreSQL 18\.\d+\)\n/); // the first line, as the README says
  assertNarration(r.stdout);
});

Demo('the engine line never shows a password', () => {
  assert.is(maskUrl('postgres://app:s3cret@db.example:5432/prod'), 'postgres://app:***@db.example:5432/prod');
  assert.is(maskUrl('postgres://app@/prod?host=/run/postgresql&password=s3cret'), 'postgres://app@/prod?host=/run/postgresql&password=***');
  assert.is(maskUrl('host=db password=s3cret dbname=prod'), 'host=db password=*** dbname=prod');
});

Demo.run();
