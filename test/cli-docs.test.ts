// The documentation's code: every code block of README.md and docs/*.md that hands a model's
// parameters to an optimizer calls model.parameters() (passing the method itself is a TypeError), and
// docs/optim.md's NAG example runs as written.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fg from '../lib/index.js';

const ROOT = path.resolve(__dirname, '..');
const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f))];

function codeBlocks(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/```(?:js|ts|javascript|typescript)\n([\s\S]*?)```/g)].map((m) => m[1]);
}

test('docs: .parameters is always called in code examples', () => {
  let seen = 0;
  for (const file of DOCS) for (const code of codeBlocks(file)) {
    for (const m of code.matchAll(/\.parameters\b(\s*\()?/g)) {
      seen++;
      assert.ok(m[1], `${file}: '${code.slice(Math.max(0, (m.index ?? 0) - 40), (m.index ?? 0) + 20)}' passes .parameters without calling it`);
    }
  }
  assert.ok(seen >= 2, `only ${seen} uses of .parameters found: the scan reads no code`);
});

test("docs/optim.md's NAG example runs as written; the uncalled method is refused with a TypeError", () => {
  const code = codeBlocks('docs/optim.md').find((c) => c.includes('new fg.optim.NAG('));
  assert.ok(code, 'the NAG example');
  const line = code.split('\n').find((l) => l.includes('new fg.optim.NAG(')) as string;
  const model = new fg.nn.Sequential(new fg.nn.Linear(2, 3, { generator: new fg.Generator(1) }));
  const make = new Function('fg', 'model', `${line}\nreturn nag;`) as (f: typeof fg, m: unknown) => fg.optim.NAG;
  const nag = make(fg, model);
  assert.equal(nag.paramGroups[0].params.length, 2);
  assert.throws(() => make(fg, { parameters: model.parameters() }), TypeError, 'parameters as a property holding an array is not what the line uses');
  assert.throws(() => new fg.optim.NAG((model as unknown as { parameters: never }).parameters, { lr: 0.01 }), /params but received a function/);
});
