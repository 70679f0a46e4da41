'use strict';
// Prints 1 if the C++ compiler accepts -fopenmp (and links libgomp/libomp), else 0. Used by binding.gyp.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const cxx = process.env.CXX || 'c++';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-omp-'));
const src = path.join(dir, 't.cc');
fs.writeFileSync(src, '#include <omp.h>\nint main(){int n=0;\n#pragma omp parallel reduction(+:n)\nn+=1;\nreturn n>0?0:1;}\n');
let ok = '0';
try {
  execFileSync(cxx, ['-fopenmp', src, '-o', path.join(dir, 't')], { stdio: 'ignore' });
  ok = '1';
} catch { ok = '0'; }
fs.rmSync(dir, { recursive: true, force: true });
// --cflags / --ldflags print the flags to use (empty without OpenMP); no argument prints 1 or 0.
const mode = process.argv[2];
if (mode === '--cflags') process.stdout.write(ok === '1' ? '-fopenmp -DFG_HAVE_OPENMP=1' : '');
else if (mode === '--ldflags') process.stdout.write(ok === '1' ? '-fopenmp' : '');
else process.stdout.write(ok);
