// The test files themselves: uvu drops, without a word, a test registered after its suite's
// run(), so every `Suite('…', …)` call must come before `Suite.run()` in its file.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from './helpers.js';

const Files = suite('test files');

function testFiles(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(path.join(dir, e.name)) : e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : []);
}

Files('no test is registered after its suite has run', () => {
  const files = ['test/unit', 'test/embedded', 'test/db'].flatMap(testFiles);
  assert.ok(files.length > 30, `${files.length} files`);
  const late: string[] = [];
  for (const file of files) {
    const text = readFileSync(path.join(repoRoot, file), 'utf8');
    for (const run of text.matchAll(/^([A-Z][A-Za-z0-9]*)\.run\(\);$/gm)) {
      const name = run[1]!;
      const after = text.slice(run.index! + run[0].length);
      const registered = new RegExp(`^${name}\\((['\`"])`, 'm').exec(after);
      if (registered) late.push(`${file}: ${name}(…) after ${name}.run()`);
    }
  }
  assert.equal(late, []);
});

Files.run();
