import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** ../shared beside the checkout (CI lays a copy there); CAMWATCH_SHARED overrides. */
export const SHARED = process.env.CAMWATCH_SHARED ?? resolve(ROOT, '../shared');
export const DATA = resolve(SHARED, 'data');
export const data = (p: string): string => resolve(DATA, p);
/** The built command, as a user runs it. */
export const CLI = resolve(ROOT, 'dist/bin/camwatch.js');
