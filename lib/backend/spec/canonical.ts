// The canonical reduction order's block size (docs/numerics.md "Canonical order"; native/kernels/canonical.h,
// lib/backend/js/canonical.ts). Not a family: every family that sums uses it.
import { constant } from '../contract.js';

export const CANONICAL_BLOCK = constant('Terms per canonical block: every sum adds whole blocks in index order.', 'FG_BLOCK', 'size_t', 4096);

export const canonicalDeclarations = [CANONICAL_BLOCK] as const;
