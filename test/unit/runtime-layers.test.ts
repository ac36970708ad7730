// The runtime's rooms (sql/runtime/<room>/) are layers: a routine calls only routines of its
// own room and of the rooms its room's README.md names under "May call". The calls are read
// from the routines' source (test/unit/sql-calls.ts); a call that points up a layer, a room
// that names an unknown room, a file not named for its routine (overloads of it may share the file), and any cycle between
// routines (direct recursion aside) fail here.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runtimeFiles } from '../../src/emit/render.js';
import { callsIn } from './sql-calls.js';
import { repoRoot } from './helpers.js';

const Layers = suite('runtime layers');

const runtimeDir = join(repoRoot, 'sql', 'runtime');
const rooms = readdirSync(runtimeDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

/** Each room's "May call" list, from its README.md. */
function mayCall(room: string): string[] {
  const readme = readFileSync(join(runtimeDir, room, 'README.md'), 'utf8');
  const line = /^May call:(.*)$/m.exec(readme);
  if (!line) throw new Error(`sql/runtime/${room}/README.md has no "May call:" line`);
  return line[1]!.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Statements a routine hands to someone else to run later as a call of their own: not calls
 * of that routine's. pg_cron runs the job's command as a new top-level call of the API. */
const handedOver = new Set(['cron/_schedule → api/run_maintenance']);

const files = runtimeFiles();
const roomOf = new Map(files.map((f) => [f.routine, f.file.split('/')[2]!]));
const graph = new Map(files.map((f) => [f.routine, callsIn(f.body, f.routine).filter((c) => roomOf.has(c))]));

Layers('every room says what it may call, and names only rooms that exist', () => {
  for (const room of rooms) {
    for (const other of mayCall(room)) assert.ok(rooms.includes(other), `${room}/README.md: no room "${other}"`);
  }
});

Layers('each file makes the one routine it is named for, in schema parting', () => {
  for (const f of files) {
    const made = [...f.body.matchAll(/CREATE\s+OR\s+REPLACE\s+(?:FUNCTION|PROCEDURE)\s+parting\.([a-z_0-9]+)\s*\(/gi)].map((m) => m[1]);
    assert.equal([...new Set(made)], [f.routine], f.file);
  }
});

Layers('no call points up a layer', () => {
  const wrong: string[] = [];
  for (const [routine, calls] of graph) {
    const room = roomOf.get(routine)!;
    const allowed = new Set([room, ...mayCall(room)]);
    for (const c of calls) {
      if (allowed.has(roomOf.get(c)!) || handedOver.has(`${room}/${routine} → ${roomOf.get(c)}/${c}`)) continue;
      wrong.push(`${room}/${routine} calls ${roomOf.get(c)}/${c}`);
    }
  }
  assert.equal(wrong, []);
});

Layers('the calls between routines have no cycle', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (r: string, path: string[]): void => {
    if (state.get(r) === 'done') return;
    if (state.get(r) === 'open') { cycles.push([...path.slice(path.indexOf(r)), r].join(' → ')); return; }
    state.set(r, 'open');
    for (const c of graph.get(r)!) visit(c, [...path, r]);
    state.set(r, 'done');
  };
  for (const r of graph.keys()) visit(r, []);
  assert.equal(cycles, []);
});

Layers('the call reader sees dynamic SQL and ignores advice in messages and comments', () => {
  const body = `-- calls parting._commented()
    PERFORM parting._direct(1);
    v := format('CALL parting._later(%L)', x);
    RAISE NOTICE 'run CALL parting._advice() first' USING HINT = '(SELECT parting._hint())';
    EXECUTE E'SELECT parting._escaped(\\'a\\')';`;
  assert.equal(callsIn(body), ['_direct', '_escaped', '_later']);
});

Layers.run();
