// `pgpart generate django`, checked by Django 5.2 itself against a real database: the app the
// command writes (pgpart_models.py and its migration), `manage.py migrate` installing pgpart
// into an empty database, `manage.py check` clean, `makemigrations --check` finding the
// migration's state equal to the models, then a script inserting a tweet and its star,
// traversing both ways (`star.tweet`, `tweet.star`) and deleting the tweet with its star
// (onDelete cascade, the database's). Last, run_maintenance from Django's test runner:
// refused inside a TestCase (its transaction), done inside a TransactionTestCase.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { freshDatabase, type FreshDatabase } from '../harness/db.js';
import { suiteUnless } from '../harness/needs.js';
import { runCli } from '../harness/cli.js';
import { ormConfigFile } from '../harness/orm.js';
import { djangoPython } from '../harness/python.js';
import { logged, month } from './helpers.js';

const m = month(-1);
const venv = djangoPython();

interface State { db?: FreshDatabase; dir?: string }

function manage(dir: string, args: string[], url: string): { status: number | null; out: string } {
  const r = spawnSync((venv as { python: string }).python, ['manage.py', ...args], {
    cwd: dir, encoding: 'utf8', timeout: 240_000, env: { ...process.env, PGPART_TEST_DJANGO_URL: url },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const SETTINGS = `from urllib.parse import urlsplit
import os

u = urlsplit(os.environ['PGPART_TEST_DJANGO_URL'])
DATABASES = {'default': {
    'ENGINE': 'django.db.backends.postgresql', 'NAME': u.path.lstrip('/'), 'USER': u.username,
    'PASSWORD': u.password or '', 'HOST': u.hostname, 'PORT': u.port,
}}
INSTALLED_APPS = ['shop']
USE_TZ = True
SECRET_KEY = 'test'
DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'
`;

const MANAGE = `import os, sys
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
`;

const SCRIPT = (at: string) => `import json
from datetime import datetime
from django.db import connection
from shop.models import Star, Tweet

tweet = Tweet.objects.create(json={'text': 'hi'}, user='ann', created_at=datetime.fromisoformat(${JSON.stringify(at.replace(' ', 'T').replace('+00', '+00:00'))}))
star = Star.objects.create(user='bob', tweet=tweet)
with connection.cursor() as c:
    c.execute('SELECT tableoid::regclass::text FROM star WHERE id = %s', [star.id])
    partition = c.fetchone()[0]
up = Star.objects.select_related('tweet').get(pk=(star.id, star.tweet_created_at))
down = Tweet.objects.get(pk=(tweet.id, tweet.created_at))
result = {
    'tweet_id_set': tweet.id is not None, 'note': tweet.note, 'class': star.class_field, 'partition': partition,
    'keys_match': (star.tweet_id, star.tweet_created_at) == (tweet.id, tweet.created_at),
    'up': up.tweet.user, 'down': [s.id for s in down.star.all()] == [star.id],
    'filter': Star.objects.filter(tweet__user='ann').count(),
}
Tweet.objects.filter(pk=(tweet.id, tweet.created_at)).delete()
result['stars_left'] = Star.objects.count()
print(json.dumps(result))
`;

const TESTS = `from django.db import connection, DatabaseError
from django.test import TestCase, TransactionTestCase


class InTestCase(TestCase):
    def test_run_maintenance_is_refused(self):
        # pgpart's own error (SQLSTATE PGP03), before the procedure's first COMMIT.
        with self.assertRaisesRegex(DatabaseError, 'cannot run inside a transaction block'):
            with connection.cursor() as c:
                c.execute('CALL parting.run_maintenance()')


class InTransactionTestCase(TransactionTestCase):
    def test_run_maintenance_runs(self):
        with connection.cursor() as c:
            c.execute('CALL parting.run_maintenance()')
            c.execute("SELECT count(*) FROM parting.history WHERE action = 'maintained'")
            self.assertGreater(c.fetchone()[0], 0)
`;

const Django = suiteUnless<State>('Django: pgpart generate django', 'reason' in venv ? venv.reason : null, {});
Django.before(async (ctx) => {
  await logged('project', async () => {
    ctx.db = await freshDatabase('orm_django');
    const dir = mkdtempSync(path.join(tmpdir(), 'pgpart-django-'));
    mkdirSync(path.join(dir, 'shop'));
    writeFileSync(path.join(dir, 'shop', '__init__.py'), '');
    writeFileSync(path.join(dir, 'shop', 'models.py'), 'from .pgpart_models import *  # noqa: F401,F403\n');
    writeFileSync(path.join(dir, 'shop', 'tests.py'), TESTS);
    writeFileSync(path.join(dir, 'settings.py'), SETTINGS);
    writeFileSync(path.join(dir, 'manage.py'), MANAGE);
    ctx.dir = dir;
  });
});
Django.after(async (ctx) => { await ctx.db?.drop(); });

Django('generate writes the models and a migration; migrate installs pgpart; check is clean; the state matches', async (ctx) => {
  const { dir, db } = { dir: ctx.dir!, db: ctx.db! };
  const gen = await runCli(['generate', 'django', '--config', ormConfigFile, '--out', path.join(dir, 'shop')]);
  assert.is(gen.code, 0, gen.stderr);
  assert.match(gen.stderr, /wrote .*shop\/migrations\/0001_pgpart_[0-9a-f]{8}\.py \(install script .*shop\/pgpart-frozen\/[0-9a-f]{64}\.sql\)/);
  const [migration] = readdirSync(path.join(dir, 'shop', 'migrations')).filter((f) => f.startsWith('0001_'));
  const text = readFileSync(path.join(dir, 'shop', 'migrations', migration!), 'utf8');
  assert.match(text, /no database was given \(--database-url or DATABASE_URL\)/);
  assert.ok(text.length < 20_000, `the migration is small enough to read (${text.length} characters)`);
  const again = await runCli(['generate', 'django', '--config', ormConfigFile, '--out', path.join(dir, 'shop')]);
  assert.match(again.stderr, /no new migration: 0001_pgpart_[0-9a-f]{8} installs this config already/);

  const migrate = manage(dir, ['migrate', '--no-input'], db.url);
  assert.is(migrate.status, 0, migrate.out);
  assert.match(migrate.out, /Applying shop\.0001_pgpart_[0-9a-f]{8}\.\.\. OK/);
  const check = manage(dir, ['check'], db.url);
  assert.is(check.status, 0, check.out);
  assert.match(check.out, /System check identified no issues \(0 silenced\)/);
  const state = manage(dir, ['makemigrations', '--check', '--dry-run'], db.url);
  assert.is(state.status, 0, state.out);
  assert.match(state.out, /No changes detected/);
});

Django('insert a tweet and its star, traverse both ways, delete with onDelete cascade', async (ctx) => {
  await ctx.db!.client.query(`SELECT parting.ensure_partition('tweet', $1)`, [m.key]);
  writeFileSync(path.join(ctx.dir!, 'orm_check.py'), SCRIPT(m.at()));
  const r = manage(ctx.dir!, ['shell', '-c', 'exec(open("orm_check.py").read())'], ctx.db!.url);
  assert.is(r.status, 0, r.out);
  assert.equal(JSON.parse(r.out.trim().split('\n').at(-1)!), {
    tweet_id_set: true, note: `it's "quoted" \`tick\` \${x} $1 %s`, class: 1, partition: `star_${m.suffix}`,
    keys_match: true, up: 'ann', down: true, filter: 1, stars_left: 0,
  });
});

Django('run_maintenance: refused inside a TestCase, done inside a TransactionTestCase', async (ctx) => {
  const r = manage(ctx.dir!, ['test', 'shop', '--no-input', '-v', '2'], ctx.db!.url);
  assert.is(r.status, 0, r.out);
  assert.match(r.out, /test_run_maintenance_is_refused .* ok/);
  assert.match(r.out, /test_run_maintenance_runs .* ok/);
});

Django.run();
