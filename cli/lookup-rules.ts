import type { AddressInfo } from '../ingest/enrich/index.js';
import type { LookupRuleMatch } from './commands/lookup.js';

type CompiledRules = Awaited<ReturnType<typeof import('../analyzer/index.js')['loadRules']>>;
let rules: Promise<CompiledRules> | undefined;

/** `camwatch lookup`'s rule matches: the packaged rule packs, loaded once, asked by address. */
export async function matchLookupRules(info: AddressInfo): Promise<LookupRuleMatch[]> {
  const analyzer = await import('../analyzer/index.js');
  rules ??= analyzer.loadRules();
  return analyzer.lookupRuleMatches(await rules, info);
}
