// The parting schema's migrations (sql/migrations) are numbered from 0001 with no gap, and a
// migration, once released, is never edited: a database that ran it will not run it again,
// so an edit would reach fresh installs only and the two would differ. Their hashes are
// pinned in test/fixtures/migrations.sha256; a new migration adds its line.

import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { migrations, schemaRevision } from '../../src/emit/render.js';
import { fixture, repoRoot } from './helpers.js';

const Migrations = suite('migrations');

const pinned = new Map(readFileSync(fixture('migrations.sha256'), 'utf8').trim().split('\n')
  .map((l) => l.split(/\s+/)).map(([hash, file]) => [file!, hash!]));

Migrations('numbered 0001, 0002, … with no gap; the revision is the last number', () => {
  const all = migrations();
  assert.ok(all.length >= 3);
  all.forEach((m, i) => assert.is(m.number, i + 1, m.file));
  assert.is(schemaRevision(), all.length);
});

Migrations('every migration is pinned, and none was edited', () => {
  for (const m of migrations()) {
    const name = m.file.replace('sql/migrations/', '');
    const hash = createHash('sha256').update(readFileSync(`${repoRoot}/${m.file}`)).digest('hex');
    assert.ok(pinned.has(name), `${m.file} is not in test/fixtures/migrations.sha256: add \`${hash}  ${name}\``);
    assert.is(hash, pinned.get(name), `${m.file} changed after it was pinned: released migrations are never edited; add a new one`);
  }
  assert.is(pinned.size, migrations().length, 'a pinned migration is gone');
});

Migrations('a migration body cannot end the dollar quote it is carried in', () => {
  for (const m of migrations()) assert.not.ok(m.body.includes(`$${m.tag}$`) || m.body.includes('$pgpart_migration$'), m.file);
});

Migrations.run();
