'use strict';
// `npm install` runs this: builds build/Release/fastgrad.node with node-gyp from binding.gyp.
// If the build cannot run or fails, install still succeeds (fastgrad then runs on its TypeScript
// backend); one line says why, and build/build-status.json keeps the reason for fg.backendInfo().
// --strict (npm run build:native) makes a failed build an error instead.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const strict = process.argv.includes('--strict');
const statusFile = path.join(root, 'build', 'build-status.json');

function writeStatus(ok, reason) {
  fs.mkdirSync(path.dirname(statusFile), { recursive: true });
  fs.writeFileSync(statusFile, JSON.stringify({ ok, reason, tool: 'node-gyp', at: new Date().toISOString() }, null, 2));
}

function nodeGypScript() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && fs.existsSync(fromNpm)) return fromNpm;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  } catch {
    return null;
  }
}

// Node's own headers, when the installation ships them, so nothing is downloaded.
function localNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function fail(reason) {
  writeStatus(false, reason);
  const line = `fastgrad: native addon not built (${reason}); using the TypeScript backend. Run \`npm run build:native\` to see the full build log.`;
  if (strict) {
    console.error(line);
    process.exit(1);
  }
  console.warn(line);
  process.exit(0);
}

if (process.env.FASTGRAD_SKIP_BUILD === '1') fail('FASTGRAD_SKIP_BUILD=1');
const gyp = nodeGypScript();
if (!gyp) fail('node-gyp is not installed');
const args = [gyp, 'rebuild', '-j', 'max'];
const nodedir = localNodeDir();
if (nodedir) args.push(`--nodedir=${nodedir}`);
const res = spawnSync(process.execPath, args, { cwd: root, stdio: strict ? 'inherit' : ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (res.status !== 0) {
  const out = `${res.stdout || ''}\n${res.stderr || ''}`;
  const firstError = out.split('\n').find((l) => /error|not found|No such file/i.test(l) && !/gyp info/.test(l));
  if (!strict && out) fs.writeFileSync(path.join(root, 'build', 'build.log'), out);
  fail(firstError ? firstError.trim().slice(0, 300) : `node-gyp exited with ${res.status ?? res.signal}`);
}
writeStatus(true, 'built with node-gyp');
