/**
 * The rule packs shipped with camwatch (`rules/policy/default.yaml`, `rules/vendors/*.yaml`) plus any
 * the operator names, loaded and compiled in one call. Works from the source tree and from `dist/`.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuleError } from '../../model/errors.js';
import { type CompiledRules, compileRules } from './compiled-rules.js';
import { type LoadedPack, loadRulePacks } from './load-rules.js';

/** The `rules/` folder shipped with the package. */
export function packagedRulesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'rules');
    if (existsSync(join(candidate, 'policy', 'default.yaml'))) return candidate;
    dir = resolve(dir, '..');
  }
  throw new RuleError('cannot find the packaged rules/ folder (rules/policy/default.yaml)');
}

export interface LoadRulesOptions {
  /** Extra rule files or directories (operator packs; a policy pack here replaces the default one). */
  paths?: readonly string[];
  /** Leave out the packaged vendor intelligence. */
  noVendors?: boolean;
  cwd?: string;
}

/** Load the packaged policy and vendor packs plus the operator's, and compile them. */
export async function loadRules(opts: LoadRulesOptions = {}): Promise<CompiledRules> {
  return compileRules(await loadRulePackList(opts));
}

export async function loadRulePackList(opts: LoadRulesOptions = {}): Promise<LoadedPack[]> {
  const root = packagedRulesDir();
  const extra = opts.paths?.length ? await loadRulePacks(opts.paths, { cwd: opts.cwd }) : [];
  const ownPolicy = extra.some((p) => p.pack.kind === 'policy');
  const base = await loadRulePacks(
    [...(ownPolicy ? [] : [join(root, 'policy')]), ...(opts.noVendors ? [] : [join(root, 'vendors')])],
    { cwd: opts.cwd },
  );
  return [...base, ...extra];
}
