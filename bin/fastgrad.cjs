#!/usr/bin/env node
'use strict';
// fastgrad CLI launcher: in a checkout (tsconfig.json beside package.json and tsx installed) it runs
// the TypeScript source lib/cli/main.ts through tsx; in an installed package, the built dist/cjs.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'lib', 'cli', 'main.ts');
const built = path.join(root, 'dist', 'cjs', 'cli', 'main.js');

function loadMain() {
  if (fs.existsSync(path.join(root, 'tsconfig.json')) && fs.existsSync(source)) {
    try {
      require('tsx/cjs/api').register();
      return require(source).main;
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND' || !/tsx/.test(e.message)) throw e;
    }
  }
  if (fs.existsSync(built)) return require(built).main;
  process.stderr.write('fastgrad: neither the built CLI (dist/cjs/cli/main.js: run `npm run build:ts`) nor tsx to run the TypeScript source was found\n');
  process.exit(1);
}

loadMain()(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`fastgrad: error: ${e && e.message ? e.message.split('\n')[0] : String(e)}\n`);
    process.exit(1);
  },
);
