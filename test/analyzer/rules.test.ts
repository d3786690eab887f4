import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compileRules } from '../../analyzer/rules/compiled-rules.js';
import { loadRulePackList, loadRules } from '../../analyzer/rules/default-rules.js';
import { checkRulePacks, loadRulePacks, parseRulePack } from '../../analyzer/rules/load-rules.js';
import { RuleError } from '../../model/errors.js';
import { ROOT } from '../helpers/paths.js';

const FIX = join(ROOT, 'test/fixtures/rules');

describe('rule pack validation', () => {
  test('the packaged policy and vendor packs load without a problem', async () => {
    const { packs, problems } = await checkRulePacks([join(ROOT, 'rules')], { cwd: ROOT });
    expect(problems).toEqual([]);
    expect(packs.filter((p) => p.pack.kind === 'policy')).toHaveLength(1);
    // 30 vendor files, 269 matchable entries (273 research entries minus 4 of type `other`)
    const vendors = packs.filter((p) => p.pack.kind === 'vendor');
    expect(vendors.length).toBe(30);
    const endpoints = vendors.reduce(
      (n, p) => n + (p.pack.kind === 'vendor' ? p.pack.endpoints.length : 0),
      0,
    );
    expect(endpoints).toBe(269);
  });

  test('schema problems name the file, the line and the key', async () => {
    const { problems } = await checkRulePacks([join(FIX, 'bad/broken.yaml')], { cwd: ROOT });
    const got = problems.map((p) => [p.file, p.line, p.key]);
    expect(got).toEqual([
      ['test/fixtures/rules/bad/broken.yaml', 10, 'allow[1]'],
      ['test/fixtures/rules/bad/broken.yaml', 14, 'allow[2].colour'],
      ['test/fixtures/rules/bad/broken.yaml', 18, 'watch[0].countries[0]'],
      ['test/fixtures/rules/bad/broken.yaml', 19, 'watch[0].severity'],
    ]);
    expect(problems[1]!.message).toBe('unknown key');
    expect(problems[2]!.message).toContain('ISO 3166');
  });

  test('semantic problems (CIDR, domain, port range, group reference, date, ids) name line and key', async () => {
    const { problems } = await checkRulePacks([join(FIX, 'bad/semantic.yaml')], { cwd: ROOT });
    expect(problems.map((p) => `${p.line} ${p.key}`)).toEqual([
      '8 allow[0].networks[0]',
      '10 allow[1].id',
      '11 allow[1].domains[0]',
      '14 allow[2].ports[0]',
      '18 suppressions[0].scope.groups[0]',
      '20 suppressions[0].expires',
      '21 suppressions[1]',
    ]);
  });

  test('a YAML syntax error names its line; a pack without kind is refused', () => {
    const y = parseRulePack(
      'kind: operator\nid: x\nallow:\n  - id: a\n    networks: [10.0.0.0/8\n    reason: r\n',
      'y.yaml',
    );
    expect(y.pack).toBeUndefined();
    expect(y.problems[0]!.message).toMatch(/^YAML: /);
    expect(y.problems[0]!.line).toBeGreaterThanOrEqual(5);
    const k = parseRulePack('id: nothing\n', 'k.yaml');
    expect(k.problems).toEqual([
      {
        file: 'k.yaml',
        line: 1,
        key: 'kind',
        message: 'must be one of policy, vendor, operator (found null)',
      },
    ]);
  });

  test('loadRulePacks throws a RuleError with the first problem and the count of the rest', async () => {
    const err = await loadRulePacks([join(FIX, 'bad/semantic.yaml')], { cwd: ROOT }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).code).toBe('CW_ERR_RULE_INVALID');
    expect((err as RuleError).message).toBe(
      'test/fixtures/rules/bad/semantic.yaml:8: allow[0].networks[0]: "10.0.0.0/33" is not an address or CIDR network (and 6 more problem(s))',
    );
    expect((err as RuleError).where).toMatchObject({
      file: 'test/fixtures/rules/bad/semantic.yaml',
      line: 8,
    });
  });

  test('two policy packs are refused', async () => {
    const { problems } = await checkRulePacks([
      join(ROOT, 'rules/policy'),
      join(ROOT, 'rules/policy/default.yaml'),
    ]);
    expect(problems.some((p) => p.message.startsWith('only one policy pack'))).toBe(true);
  });
});

describe('matchPeer (vendor intelligence)', async () => {
  const rules = await loadRules();

  test('a domain suffix matches the apex and names under it, not look-alikes', () => {
    const m = rules.matchPeer({ name: 'apiieu.hik-connect.com' });
    const r = m.find((x) => x.ruleId === 'hikvision-002')!;
    expect(r).toMatchObject({
      vendor: 'Hikvision',
      purpose: 'cloud',
      matchedBy: 'domainSuffix',
      indicator: 'hik-connect.com',
      matchedValue: 'apiieu.hik-connect.com',
      strength: 'strong',
      confidence: 'community',
    });
    expect(r.sourceUrls[0]).toMatch(
      /^https:\/\/github\.com\/tomasbedrich\/home-assistant-hikconnect\/issues\//,
    );
    expect(rules.matchPeer({ name: 'HIK-CONNECT.COM.' }).map((x) => x.ruleId)).toContain('hikvision-002');
    expect(rules.matchPeer({ name: 'nothik-connect.com' })).toEqual([]);
  });

  test('an exact domain entry and the suffix entry both match, exact first', () => {
    const ids = rules.matchPeer({ name: 'litedev.hik-connect.com' }).map((x) => `${x.ruleId}:${x.matchedBy}`);
    expect(ids.slice(0, 2)).toEqual(['hikvision-001:domain', 'hikvision-002:domainSuffix']);
  });

  test('addresses match CIDR entries, IPv4-mapped IPv6 included', () => {
    const a = rules.matchPeer({ ip: '::ffff:195.60.68.121' });
    expect(a.map((x) => x.ruleId)).toContain('axis-008');
    expect(a.find((x) => x.ruleId === 'axis-008')!.matchedBy).toBe('cidr');
    expect(rules.matchPeer({ ip: '195.60.69.1' }).map((x) => x.ruleId)).not.toContain('axis-008');
  });

  test('ports match with their protocol and are weak evidence', () => {
    const udp = rules.matchPeer({ port: 8800, proto: 17 });
    expect(udp.map((x) => x.ruleId)).toContain('dahua-002');
    expect(udp.map((x) => x.ruleId)).not.toContain('tp-link-tapo-011'); // 8800/tcp
    expect(udp.every((x) => x.strength === 'weak')).toBe(true);
    const tcp = rules.matchPeer({ port: 8800, proto: 'tcp' });
    expect(tcp.map((x) => x.ruleId)).toContain('tp-link-tapo-011');
    expect(tcp.map((x) => x.ruleId)).not.toContain('dahua-002');
    // a range entry
    expect(rules.matchPeer({ port: 40000, proto: 17 }).map((x) => x.ruleId)).toContain(
      'hanwha-vision-wisenet-007',
    );
  });

  test('a peer known by several names matches through any of them', () => {
    const m = rules.matchPeer({
      name: 'unknown.example',
      names: ['www.easy4ipcloud.com'],
      port: 8800,
      proto: 17,
    });
    expect(m[0]).toMatchObject({ ruleId: 'dahua-001', matchedBy: 'domain', strength: 'strong' });
    expect(m.map((x) => x.ruleId)).toContain('dahua-002');
  });

  test('local networks come from the policy', () => {
    expect(rules.isLocal('10.1.2.3')).toBe(true);
    expect(rules.isLocal('::ffff:192.168.1.1')).toBe(true);
    expect(rules.isLocal('239.255.255.250')).toBe(true);
    expect(rules.isLocal('8.8.8.8')).toBe(false);
    expect(rules.isLocal('100.64.0.1')).toBe(false);
    expect(rules.addressClass('100.64.0.1')).toBe('cgnat');
    expect(rules.addressClass('2a00:1450::1')).toBe('public');
  });
});

describe('operator rules', async () => {
  const rules = compileRules(await loadRulePackList({ paths: [join(FIX, 'good/site-hq.yaml')], cwd: ROOT }));
  const hqCam = { ip: '10.1.0.7', site: 'hq', vendor: 'Axis' };
  const hikCam = { ip: '10.1.0.8', site: 'hq', vendor: 'Hikvision' };

  test('infrastructure networks count as local', () => {
    expect(rules.isLocal('10.9.0.10')).toBe(true);
    expect(rules.isLocal('10.9.0.12')).toBe(true); // 10/8 is local anyway
  });

  test('allow rules apply within their scope, all criteria together', () => {
    const o3c = { name: 'dispatchse1-st.axis.com', port: 443, proto: 6 };
    expect(rules.allowedBy(hqCam, o3c)?.rule.id).toBe('axis-o3c');
    expect(rules.allowedBy(hikCam, o3c)).toBeUndefined(); // not in the axis-cams group
    expect(rules.allowedBy(hqCam, { ...o3c, port: 80 })).toBeUndefined(); // port is part of the rule
    expect(rules.allowedBy(hqCam, { ...o3c, name: 'axis.com' })?.rule.id).toBe('axis-o3c'); // apex matches *.axis.com
    expect(rules.allowedBy(hikCam, { ip: '198.51.100.9' })?.rule.id).toBe('backup-cloud');
  });

  test('watch lists match countries and ASNs', () => {
    expect(rules.watchHits(hikCam, { ip: '1.2.3.4', country: 'kp' }).map((r) => r.rule.id)).toEqual([
      'watch-countries',
    ]);
    expect(rules.watchHits(hikCam, { ip: '1.2.3.4', asn: 45090 }).map((r) => r.rule.id)).toEqual([
      'watch-asn',
    ]);
    expect(rules.watchHits(hikCam, { ip: '1.2.3.4', country: 'DE', asn: 1 })).toEqual([]);
  });

  test('suppressions apply until they expire; overrides change the severity', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    const lab = rules.judge('egress', { ip: '10.1.99.5' }, { ip: '8.8.8.8' }, 'medium', now);
    expect(lab.suppressedBy?.rule.id).toBe('lab-cam');
    // expired in 2020: no longer applies
    const old = rules.judge('beacon', hikCam, { name: 'hb.example.net' }, 'medium', now);
    expect(old.suppressedBy).toBeUndefined();
    expect(
      rules.judge('beacon', hikCam, { name: 'hb.example.net' }, 'medium', Date.parse('2019-06-01'))
        .suppressedBy?.rule.id,
    ).toBe('old-beacon');
    expect(rules.expiredSuppressions(now).map((r) => r.rule.id)).toEqual(['old-beacon']);
    const ntp = rules.judge('ntp-public', hikCam, { ip: '1.2.3.4' }, 'low', now);
    expect(ntp).toMatchObject({ severity: 'info', overriddenBy: { rule: { id: 'quiet-ntp' } } });
    const outsideHq = rules.judge(
      'ntp-public',
      { ip: '10.2.0.1', site: 'branch' },
      { ip: '1.2.3.4' },
      'low',
      now,
    );
    expect(outsideHq.severity).toBe('low');
    const upd = rules.judge('vendor-cloud', hikCam, { ip: '1.2.3.4' }, 'low', now, ['update']);
    expect(upd.severity).toBe('info');
  });

  test('detector settings come from the policy over the defaults', () => {
    expect(rules.detector('beacon')).toMatchObject({
      severity: 'medium',
      minScore: 70,
      minConnections: 4,
      enabled: true,
    });
    expect(rules.detector('telnet-out').severity).toBe('critical');
  });

  test('a missing policy is an error', () => {
    expect(() => compileRules([])).toThrow(RuleError);
  });
});

describe('lookupRuleMatches (for camwatch lookup)', async () => {
  const { lookupRuleMatches } = await import('../../analyzer/rules/lookup-matches.js');
  const rules = compileRules(await loadRulePackList({ paths: [join(FIX, 'good/site-hq.yaml')], cwd: ROOT }));
  test('vendor endpoints by address, local networks, scope-less watch and allow rules', () => {
    expect(lookupRuleMatches(rules, { ip: '195.60.68.121' }).map((m) => m.id)).toContain('axis-008');
    expect(lookupRuleMatches(rules, { ip: '10.1.2.3' })).toEqual([
      { id: 'policy:default', label: 'local network under the policy' },
    ]);
    const w = lookupRuleMatches(rules, { ip: '1.2.3.4', geo: { asn: 45090, country: 'CN' } });
    expect(w).toEqual([{ id: 'watch:watch-asn', label: 'watch list, high: Tencent cloud hosts P2P relays' }]);
    expect(lookupRuleMatches(rules, { ip: '198.51.100.5' })).toEqual([
      { id: 'allow:backup-cloud', label: 'allowed: offsite recording backup' },
    ]);
    const dns = lookupRuleMatches(rules, { ip: '8.8.8.8' });
    expect(dns.find((m) => m.id.startsWith('generic-doh'))!.label).toMatch(
      /^Generic DoH resolvers dns \(by ip 8\.8\.8\.8; /,
    );
  });
});
