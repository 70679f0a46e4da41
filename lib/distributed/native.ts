// The one loader of the optional Gloo binding build/Release/fastgrad_gloo.node (native/distributed),
// built only when Gloo is found; FASTGRAD_GLOO_ADDON_PATH points elsewhere (e.g. the cmake-js build).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../backend/native.js';

/** What binding.cc exports. Every method validates nothing: lib/distributed/index.ts does. */
export interface GlooGroup {
  connect(rank: number, worldSize: number, masterAddr: string, masterPort: number, timeoutMs: number, ifname: string): Promise<void>;
  allReduce(buf: Float32Array, op: string): Promise<void>;
  broadcast(buf: Float32Array, root: number): Promise<void>;
  allGather(input: Float32Array, output: Float32Array): Promise<void>;
  barrier(): Promise<void>;
  destroy(): void;
}

export interface GlooAddon {
  Group: new () => GlooGroup;
  glooVersion: string;
}

/** The Debian/Ubuntu package the binding is built against. */
export const GLOO_PACKAGE = 'libgloo-dev';

let cached: { addon: GlooAddon | null; path: string; reason: string } | null = null;

export function loadGloo(): { addon: GlooAddon | null; path: string; reason: string } {
  if (cached) return cached;
  const envPath = process.env.FASTGRAD_GLOO_ADDON_PATH;
  const file = envPath ? path.resolve(envPath) : path.join(packageRoot(), 'build', 'Release', 'fastgrad_gloo.node');
  if (!fs.existsSync(file)) {
    cached = {
      addon: null,
      path: file,
      reason:
        `fg.distributed needs the Gloo binding ${file}, which was not built because Gloo was not found when ` +
        `fastgrad was built: install Gloo (Debian/Ubuntu: \`apt-get install ${GLOO_PACKAGE}\`), then rebuild with \`npm run build:native\``,
    };
    return cached;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addon = require(file) as GlooAddon;
    if (typeof addon.Group !== 'function') throw new Error('it is not the fastgrad Gloo binding');
    cached = { addon, path: file, reason: '' };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    cached = { addon: null, path: file, reason: `loading the Gloo binding ${file} failed: ${msg} (is ${GLOO_PACKAGE} installed?)` };
  }
  return cached;
}
