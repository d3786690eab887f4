/**
 * The compiled rule packs the server analyses with, swapped whole on reload (a failed reload keeps
 * the packs in use). Packaged policy and vendor packs plus the operator's paths.
 */
import {
  type CompiledRules,
  compileRules,
  type LoadedPack,
  loadRulePackList,
  parseRulePack,
  type RuleProblem,
} from '../analyzer/index.js';

export interface RulesHolder {
  current(): CompiledRules;
  packs(): readonly LoadedPack[];
  loadedAt(): number;
  /** Loads again from disk; throws RuleError (and keeps the old rules) when a pack is invalid. */
  reload(): Promise<void>;
  /** Parses and validates one pack's text, compiling it with the loaded packs; nothing is kept. */
  validate(text: string, name: string): RuleProblem[];
}

export async function createRulesHolder(paths: readonly string[]): Promise<RulesHolder> {
  let packs = await loadRulePackList({ paths });
  let rules = compileRules(packs);
  let at = Date.now();
  return {
    current: () => rules,
    packs: () => packs,
    loadedAt: () => at,
    async reload() {
      const p = await loadRulePackList({ paths });
      const r = compileRules(p);
      packs = p;
      rules = r;
      at = Date.now();
    },
    validate(text, name) {
      const res = parseRulePack(text, name);
      if (res.problems.length > 0 || !res.pack) return res.problems;
      try {
        const others = res.pack.kind === 'policy' ? packs.filter((p) => p.pack.kind !== 'policy') : packs;
        compileRules([...others, { file: name, pack: res.pack }]);
      } catch (e) {
        return [{ file: name, line: 0, key: '', message: (e as Error).message }];
      }
      return [];
    },
  };
}
