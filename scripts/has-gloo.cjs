'use strict';
// Prints 1 if Gloo can be compiled and linked against (Debian: `apt-get install libgloo-dev`), else 0.
// binding.gyp and CMakeLists.txt build the optional fastgrad_gloo target (native/distributed) only then,
// so the main addon's build never depends on Gloo. FASTGRAD_GLOO=0 skips it.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function probe() {
  if (process.env.FASTGRAD_GLOO === '0') return '0';
  const cxx = process.env.CXX || 'c++';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-gloo-'));
  const src = path.join(dir, 't.cc');
  fs.writeFileSync(
    src,
    '#include <gloo/config.h>\n#include <gloo/rendezvous/context.h>\n#include <gloo/transport/tcp/device.h>\n' +
      '#if !GLOO_HAVE_TRANSPORT_TCP\n#error no TCP transport\n#endif\n' +
      'int main(){ gloo::transport::tcp::attr a; a.hostname = "127.0.0.1"; return gloo::transport::tcp::CreateDevice(a) ? 0 : 1; }\n',
  );
  try {
    execFileSync(cxx, ['-std=c++17', src, '-o', path.join(dir, 't'), '-lgloo', '-pthread'], { stdio: 'ignore' });
    return '1';
  } catch {
    return '0';
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.stdout.write(probe());
