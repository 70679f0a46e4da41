// The TypeScript backend: every family's twin (lib/backend/families.ts lists them), same bits as the native addon.
import { makeJsKernels } from '../families.js';

export const jsKernels = makeJsKernels();
