'use strict';
// `npm run build:cmake`: builds build-cmake/Release/fastgrad.node with cmake-js from CMakeLists.txt
// (the same sources, native/sources.json, and flags as binding.gyp). Load it with
// FASTGRAD_ADDON_PATH=$PWD/build-cmake/Release/fastgrad.node.
//
// Nothing is downloaded. cmake-js fetches Node's headers from nodejs.org unless its "runtime
// directory" already holds them; it takes that directory from npm_config_nodedir (its constructor
// overwrites any option with it whenever npm_config_* variables exist, as under `npm run`). We point it
// at this Node's own prefix (dirname(dirname(process.execPath)), which holds include/node/node_api.h).
// Without local headers we use the Node-API headers package cmake-js depends on (node-api-headers,
// in node_modules). If neither is there we stop with a clear message rather than try the network.
//
// Options: --rebuild (clean first), --tests (also build and run the C++ tests in native/test: ctest),
//          --sanitize <list> (e.g. address,undefined; default output build-asan, see scripts/test-asan.cjs),
//          --out <dir> (default build-cmake).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const valueOf = (flag) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
const sanitize = valueOf('--sanitize') || '';
const out = path.resolve(root, valueOf('--out') || (sanitize ? 'build-asan' : 'build-cmake'));
const rebuild = argv.includes('--rebuild');
const tests = argv.includes('--tests');

function die(msg) {
  console.error(`fastgrad build:cmake: ${msg}`);
  process.exit(1);
}

/** This Node's installation prefix if it ships the headers (e.g. /usr for /usr/bin/node), else null. */
function localNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

let BuildSystem;
try {
  BuildSystem = require(require.resolve('cmake-js', { paths: [root] })).BuildSystem;
} catch {
  die('cmake-js is not installed (it is a devDependency: run `npm install`)');
}

// include_dir is relative to the project root; CMake gets an absolute path.
const nodeAddonApi = path.resolve(root, require(require.resolve('node-addon-api', { paths: [root] })).include_dir.replace(/"/g, ''));
const nodedir = localNodeDir();
if (nodedir) process.env.npm_config_nodedir = nodedir;

const options = {
  directory: root,
  out,
  config: 'Release',
  runtimeDirectory: nodedir || undefined,
  parallel: Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length),
  cMakeOptions: {
    NODE_ADDON_API_DIR: nodeAddonApi,
    FASTGRAD_NATIVE_TESTS: tests ? 'ON' : 'OFF',
    FASTGRAD_SANITIZE: sanitize,
  },
};

const bs = new BuildSystem(options);
if (!nodedir) {
  // Node-API-only build against node-api-headers (a cmake-js dependency): nothing to download either.
  try {
    require.resolve('node-api-headers', { paths: [path.dirname(require.resolve('cmake-js/package.json', { paths: [root] }))] });
  } catch {
    die(`no Node headers under ${path.resolve(path.dirname(process.execPath), '..', 'include', 'node')} and no node-api-headers package; refusing to download them`);
  }
  bs.options.isNodeApi = true;
}
// The guarantee, checked rather than assumed: cmake-js only downloads when this is false.
if (!bs.options.isNodeApi && !bs.dist.downloaded) die(`cmake-js would download Node headers into ${bs.dist.internalPath}; refusing`);

(async () => {
  try {
    if (rebuild) await bs.clean();
    await bs.configure(); // always, so the options above (e.g. --tests) apply to an existing build dir
    await bs.build();
  } catch (e) {
    die(`build failed (${e && e.message ? e.message : e})`);
  }
  const addon = path.join(out, 'Release', 'fastgrad.node');
  if (!fs.existsSync(addon)) die(`build finished but ${addon} is missing`);
  console.log(`fastgrad build:cmake: built ${path.relative(root, addon)} (node headers: ${nodedir ? path.join(nodedir, 'include', 'node') : 'node-api-headers'})`);
  if (tests) {
    const res = spawnSync('ctest', ['--test-dir', out, '--output-on-failure'], { cwd: root, stdio: 'inherit' });
    if (res.status !== 0) die(`native tests failed (ctest exited with ${res.status ?? res.signal})`);
  }
})();
