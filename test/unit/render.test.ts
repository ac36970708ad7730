// The template engine's quoting helpers: a field the plan does not have is an error naming
// where it was asked for, never an empty or NULL value in install.sql.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/emit/render.js';

const Render = suite('render');

function run(source: string, data: unknown): string {
  return createEngine().compile(source, { noEscape: true, strict: true })(data);
}

Render('each quoting helper quotes a field that is there', () => {
  assert.is(run('{{literal model.name}}', { model: { name: "o'k" } }), "'o''k'");
  assert.match(run('{{json model}}', { model: { a: 1 } }), /^'\{\s*"a": 1\s*\}'::jsonb$/);
  assert.match(run("{{dollar body 'tag'}}", { body: 'select 1' }), /^\$tag\$select 1\$tag\$$/);
  assert.is(run('{{comment note}}', { note: 'a note' }), 'a note');
});

for (const [helper, source] of [
  ['literal', 'x = {{literal model.nme}}'],
  ['json', '{{json model.desird}}'],
  ['dollar', "{{dollar model.bdy 'tag'}}"],
  ['comment', '-- {{comment model.note}}'],
  ['literal', 'x = {{literal}}'],
  ['dollar', '{{dollar model.name}}'],
] as const) {
  Render(`${helper} refuses a missing field, naming the helper and the place`, () => {
    assert.throws(() => run(source, { model: { name: 'a' } }), (err: Error) =>
      err.message.includes(`"${helper}"`) && /line 1, column \d+/.test(err.message) && err.message.includes('missing'));
  });
}

Render('a literal NULL the plan gives on purpose still quotes', () => {
  assert.is(run('{{literal model.tablespace}}', { model: { tablespace: null } }), 'NULL');
});

Render.run();
