// `pgpart generate`'s generators without a database: the ORM fixture's output for each ORM
// is exactly test/fixtures/orm/<file> (those files are type-checked against the real ORMs by
// tsconfig.test.json, and the database tests import what the CLI writes, typed by them), and
// names and strings that no language may carry raw are escaped for each.
//
// After an intended change: UPDATE_GOLDEN=1 node --import tsx test/run.ts generate

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfigFile } from '../../src/config/load.js';
import { generate, GenerateError, type Orm } from '../../src/generate/index.js';
import { clause, ormProject, sqlType } from '../../src/generate/shared.js';
import { pyField, pyString, tsIdent, tsTemplate } from '../../src/generate/text.js';
import { validate } from '../../src/model/validate.js';
import { fixture } from './helpers.js';

const Generate = suite('pgpart generate');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const GOLDEN: Record<Orm, string> = { drizzle: 'drizzle.ts', kysely: 'kysely.ts', prisma: 'pgpart.prisma', django: 'pgpart_models.py' };

for (const orm of Object.keys(GOLDEN) as Orm[]) {
  Generate(`${orm}: the ORM fixture generates test/fixtures/orm/${GOLDEN[orm]}`, async () => {
    const { config } = await loadConfigFile(fixture('orm/pgpart.config.ts'));
    const text = generate(orm, validate(config), 'pgpart.config.ts');
    const file = fixture(`orm/${GOLDEN[orm]}`);
    if (UPDATE) {
      writeFileSync(file, text);
      return;
    }
    assert.ok(existsSync(file), `${file} is missing; create it with UPDATE_GOLDEN=1`);
    assert.fixture(text, readFileSync(file, 'utf8'));
  });
}

Generate('types are taken apart as PostgreSQL spells them', () => {
  assert.equal(sqlType('timestamp(3) with time zone'), { name: 'timestamptz', params: [3], dims: 0, written: 'timestamp(3) with time zone' });
  assert.equal(sqlType('numeric (10, 2)').params, [10, 2]);
  assert.equal(sqlType('character varying(20)[]'), { name: 'varchar', params: [20], dims: 1, written: 'character varying(20)[]' });
  assert.is(sqlType('int8 array').dims, 1);
  assert.is(sqlType('float8').name, 'double precision');
});

Generate('defaults are read up to the next part of the definition, quotes and parentheses kept whole', () => {
  assert.is(clause("text not null default 'a default b' collate \"C\"", 'default'), "'a default b'");
  assert.is(clause("timestamptz default date_trunc('ms', now()) not null", 'default'), "date_trunc('ms', now())");
  assert.is(clause('integer generated always as (a + 1) stored', 'generated always as'), 'a + 1');
  assert.is(clause('bigint generated always as identity', 'generated always as'), null);
  assert.is(clause('text not null', 'default'), null);
});

Generate('names and strings are escaped for each language', () => {
  assert.is(tsIdent('class'), 'class_');
  assert.is(tsIdent('sql', new Set(['sql'])), 'sql_');
  assert.is(tsTemplate('a`b${c}\\d'), 'a\\`b\\${c}\\\\d');
  assert.is(pyField('class'), 'class_field');
  assert.is(pyField('_hidden'), 'f_hidden');
  assert.is(pyField('a__b'), 'f_a_b');
  assert.is(pyField('pk'), 'f_pk');
  assert.is(pyString("it's \\ \n\u2028"), "'it\\'s \\\\ \\n\\u2028'");
});

Generate('Django needs a primary key; two models with one class name are refused', () => {
  const noKey = validate({ models: { ev: { columns: { at: 'timestamptz not null' }, partition: { by: 'range', column: 'at', interval: '1 day' } } } });
  assert.throws(() => generate('django', noKey, 'c'), (e: Error) => e instanceof GenerateError && /models\.ev has no primaryKey: .*give the model a primaryKey/.test(e.message));
  const clash = validate({
    models: {
      tenant_event: { columns: { id: 'bigint not null', t: 'text not null' }, primaryKey: ['id'], partition: { by: 'list', column: 't' } },
      tenant__event: { columns: { id: 'bigint not null', t: 'text not null' }, primaryKey: ['id'], partition: { by: 'list', column: 't' } },
    },
  });
  assert.throws(() => generate('django', clash, 'c'), /models tenant_event and tenant__event would both be the Django model class TenantEvent/);
});

Generate('the relation runs over the FK column and the key column, named after the FK column and the dependent', async () => {
  const { config } = await loadConfigFile(fixture('orm/pgpart.config.ts'));
  const star = ormProject(validate(config)).tables.find((t) => t.model === 'star')!;
  assert.equal(star.primaryKey, ['id', 'tweet_created_at']);
  assert.equal(star.parent && { ...star.parent }, {
    parent: 'tweet', parentTable: 'tweet', child: 'star', childTable: 'star', columns: ['tweet_id', 'tweet_created_at'],
    references: ['id', 'created_at'], onDelete: 'cascade', optional: false, childField: 'tweet', parentField: 'star',
  });
});

Generate.run();
