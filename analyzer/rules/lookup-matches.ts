/**
 * What the rules say about one address, for `camwatch lookup` (cli/commands/lookup.ts takes a
 * `matchRules(info)` callback; cli composes it with this, so ingest and analyzer stay apart).
 * By address only: vendor endpoints by address/network/ASN, the policy's local networks, and watch
 * and allow rules that are not scoped to devices (a lookup has no camera side).
 */
import type { CompiledRules } from './compiled-rules.js';

export interface AddressFacts {
  ip: string;
  geo?: { asn?: number | undefined; country?: string | undefined };
}

export interface RuleMatchLine {
  /** Rule id: the vendor endpoint id (`dahua-001`), `policy:<id>`, `watch:<id>` or `allow:<id>`. */
  id: string;
  /** Short words for the table: vendor, product, purpose, how it matched, confidence, source. */
  label: string;
}

export function lookupRuleMatches(rules: CompiledRules, info: AddressFacts): RuleMatchLine[] {
  const out: RuleMatchLine[] = [];
  if (rules.isLocal(info.ip))
    out.push({ id: `policy:${rules.policy.id}`, label: 'local network under the policy' });
  const peer = { ip: info.ip, asn: info.geo?.asn, country: info.geo?.country };
  for (const m of rules.matchPeer(peer)) {
    const what = [m.vendor, m.product, m.purpose].filter(Boolean).join(' ');
    out.push({
      id: m.ruleId,
      label: `${what} (by ${m.matchedBy} ${m.indicator}; ${m.confidence}; ${m.sourceUrls[0] ?? m.source})`,
    });
  }
  // scope-less rules only: `devices: ['::/0', '0.0.0.0/0']` does not exist in a lookup
  const anyDevice = { ip: '0.0.0.0' };
  for (const w of rules.watchHits(anyDevice, peer)) {
    if (!w.rule.scope)
      out.push({ id: `watch:${w.rule.id}`, label: `watch list, ${w.rule.severity}: ${w.rule.reason}` });
  }
  const allow = rules.allowedBy(anyDevice, peer);
  if (allow && !allow.rule.scope)
    out.push({ id: `allow:${allow.rule.id}`, label: `allowed: ${allow.rule.reason}` });
  return out;
}
