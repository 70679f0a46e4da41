'use strict';
// What a Linux shared object needs from the system, read from its ELF headers (no binutils needed):
// the machine, the libraries it links (DT_NEEDED) and the symbol versions it requires from each
// (.gnu.version_r), e.g. { 'libc.so.6': ['GLIBC_2.2.5', 'GLIBC_2.14'] }. Used by scripts/prebuild.cjs
// to keep the prebuilt binaries loadable on older distributions, and by scripts/test-package.cjs.
// `node scripts/elf-info.cjs <file.node>` prints it as JSON.
const fs = require('node:fs');

const MACHINES = { 3: 'ia32', 40: 'arm', 62: 'x64', 183: 'arm64', 243: 'riscv64' };
const SHT_DYNAMIC = 6;
const SHT_GNU_VERNEED = 0x6ffffffe;
const DT_NEEDED = 1;

function cstr(buf, off) {
  const end = buf.indexOf(0, off);
  return buf.toString('latin1', off, end < 0 ? buf.length : end);
}

/** { machine, needed: string[], versions: { [library]: string[] } } of a 64-bit little-endian ELF file. */
function elfInfo(file) {
  const b = fs.readFileSync(file);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF file`);
  if (b[4] !== 2 || b[5] !== 1) throw new Error(`${file} is not a 64-bit little-endian ELF file`);
  const shoff = Number(b.readBigUInt64LE(40));
  const shentsize = b.readUInt16LE(58), shnum = b.readUInt16LE(60);
  const sections = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * shentsize;
    sections.push({ type: b.readUInt32LE(h + 4), offset: Number(b.readBigUInt64LE(h + 24)), size: Number(b.readBigUInt64LE(h + 32)), link: b.readUInt32LE(h + 40), info: b.readUInt32LE(h + 44) });
  }
  const needed = [];
  const versions = {};
  for (const s of sections) {
    const strtab = sections[s.link];
    if (s.type === SHT_DYNAMIC) {
      for (let o = s.offset; o + 16 <= s.offset + s.size; o += 16) {
        const tag = Number(b.readBigInt64LE(o));
        if (tag === 0) break;
        if (tag === DT_NEEDED) needed.push(cstr(b, strtab.offset + Number(b.readBigUInt64LE(o + 8))));
      }
    } else if (s.type === SHT_GNU_VERNEED) {
      // Elf64_Verneed { vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32 }
      // Elf64_Vernaux { vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32 }
      let o = s.offset;
      for (let n = 0; n < s.info; n++) {
        const cnt = b.readUInt16LE(o + 2), lib = cstr(b, strtab.offset + b.readUInt32LE(o + 4));
        const list = (versions[lib] = versions[lib] || []);
        let a = o + b.readUInt32LE(o + 8);
        for (let k = 0; k < cnt; k++) {
          list.push(cstr(b, strtab.offset + b.readUInt32LE(a + 8)));
          a += b.readUInt32LE(a + 12);
        }
        const next = b.readUInt32LE(o + 12);
        if (next === 0) break;
        o += next;
      }
    }
  }
  for (const lib of Object.keys(versions)) versions[lib].sort(compareVersions);
  return { machine: MACHINES[b.readUInt16LE(18)] ?? `machine ${b.readUInt16LE(18)}`, needed, versions };
}

/** Orders 'GLIBC_2.2.5' < 'GLIBC_2.14' (numerically, part by part; the prefix first). */
function compareVersions(a, b) {
  const [pa, va = ''] = a.split(/_(?=\d)/), [pb, vb = ''] = b.split(/_(?=\d)/);
  if (pa !== pb) return pa < pb ? -1 : 1;
  const x = va.split('.').map(Number), y = vb.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The highest version with this prefix ('GLIBC', 'GLIBCXX', 'CXXABI', 'GOMP') any library is asked for, or null. */
function maxVersion(info, prefix) {
  const all = Object.values(info.versions).flat().filter((v) => v.startsWith(`${prefix}_`) && /^\d/.test(v.slice(prefix.length + 1)));
  return all.sort(compareVersions).pop() ?? null;
}

// The oldest systems the Linux binaries must load on: Debian 11 (glibc 2.31, libstdc++ of gcc 10).
const LIMITS = { GLIBC: 'GLIBC_2.31', GLIBCXX: 'GLIBCXX_3.4.28', CXXABI: 'CXXABI_1.3.12', GOMP: 'GOMP_4.5' };

/** One message per symbol version `info` asks for past LIMITS ([] when none). */
function tooNew(info) {
  const errors = [];
  for (const [prefix, limit] of Object.entries(LIMITS)) {
    const max = maxVersion(info, prefix);
    if (max && compareVersions(max, limit) > 0) errors.push(`needs ${max}, newer than ${limit} (Debian 11)`);
  }
  return errors;
}

module.exports = { elfInfo, compareVersions, maxVersion, LIMITS, tooNew };

if (require.main === module) {
  const info = elfInfo(process.argv[2]);
  for (const p of ['GLIBC', 'GLIBCXX', 'CXXABI', 'GOMP']) info[`max_${p}`] = maxVersion(info, p);
  console.log(JSON.stringify(info, null, 2));
}
