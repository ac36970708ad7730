// pgName: PostgreSQL silently truncates identifiers past 63 bytes; pgpart never lets it.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pgName } from '../../src/model/names.js';

const Names = suite('names');

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Fits, and is valid UTF-8 with no character cut in half (a cut one would not round-trip). */
function assertSafe(name: string): void {
  assert.ok(bytes(name) <= 63, `${bytes(name)} bytes: ${name}`);
  assert.is(Buffer.from(name, 'utf8').toString('utf8'), name, 'round-trips through UTF-8');
}

Names('short names are <base>_<suffix>, unchanged', () => {
  assert.is(pgName('tweet', '2013_03'), 'tweet_2013_03');
  assert.is(pgName('tweet', 'baz'), 'tweet_baz');
  const exactly63 = 't'.repeat(55);
  assert.is(pgName(exactly63, '2013_03'), `${exactly63}_2013_03`, '63 bytes still fit');
});

Names('a name past 63 bytes is shortened, deterministically, keeping its suffix', () => {
  const base = 'a'.repeat(56); // 56 + 1 + 7 = 64 bytes
  const name = pgName(base, '2013_03');
  assertSafe(name);
  assert.is.not(name, `${base}_2013_03`);
  assert.ok(name.endsWith('_2013_03'), name);
  assert.ok(name.startsWith('aaaaaaaaaaaaaaaaaaaa'), name);
  assert.is(pgName(base, '2013_03'), name, 'same input, same name');
});

Names('two long names that share their first 63 bytes stay distinct', () => {
  const shared = 'event_stream_for_customer_accounts_with_long_descriptive_names'; // 62 bytes
  const a = pgName(`${shared}_one`, 'pkey');
  const b = pgName(`${shared}_two`, 'pkey');
  assert.is.not(a, b);
  assertSafe(a);
  assertSafe(b);
  assert.ok(a.endsWith('_pkey') && b.endsWith('_pkey'));
  // Also when only the suffix differs far past byte 63.
  const c = pgName('x'.repeat(60), 'id_uniq');
  const d = pgName('x'.repeat(60), 'id_fkey');
  assert.is.not(c, d);
});

Names('multibyte bases are never cut inside a character', () => {
  for (const base of ['ü'.repeat(40), '😀'.repeat(20), `a${'😀'.repeat(20)}`, `ab${'ü'.repeat(40)}`]) {
    for (const suffix of ['2013_03', 'pkey', 'ü_idx']) {
      const name = pgName(base, suffix);
      assertSafe(name);
      assert.ok(name.endsWith(`_${suffix}`), name);
      assert.is(pgName(base, suffix), name);
    }
  }
});

Names('a very long suffix (> 40 bytes) is shortened too', () => {
  const suffix = 'customer_id_tenant_id_created_at_region_id_key'; // 46 bytes
  const name = pgName('orders', suffix);
  assert.is(name, `orders_${suffix}`, 'still fits: unchanged');
  const long = pgName('orders_archive', `${suffix}_and_more`);
  assertSafe(long);
  assert.ok(long.startsWith('orders_archive_customer_id'), long);
  assert.is.not(pgName('orders_archive', `${suffix}_and_mor2`), long);
  for (const base of ['t', 'ü'.repeat(10), '😀'.repeat(10)]) assertSafe(pgName(base, 'ü'.repeat(40)));
});

Names.run();
