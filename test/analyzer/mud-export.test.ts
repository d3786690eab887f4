/**
 * A learned baseline exported as MUD files (RFC 8520): the files validate against a JSON Schema written
 * from RFC 8520 §2.1/§3/§8 and RFC 8519 §4 (test/fixtures/mud/rfc8520-mud.schema.json, not camwatch's
 * reader schema), the policies name existing ACLs (leafrefs), the ACEs are the peers the scenario of
 * analyzer-fixtures.ts gives camera A in its hour, the bytes are the same on every export, and loaded
 * back as rules the peers allow what they should.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { analyze } from '../../analyzer/analyze.js';
import { learnBaseline } from '../../analyzer/baseline/learn-baseline.js';
import { mudBindingsPack, mudProfiles } from '../../analyzer/baseline/mud-profiles.js';
import type { CompiledRules } from '../../analyzer/rules/compiled-rules.js';
import { loadRules } from '../../analyzer/rules/default-rules.js';
import type { BaselineEntry } from '../../store/index.js';
import { openStore, type Store, writeFlows } from '../../store/index.js';
import { ROOT } from '../helpers/paths.js';
import { HOUR, scenario, T0, WINDOW } from './analyzer-fixtures.js';

const A = '10.1.0.7';
let dir: string;
let store: Store;
let rules: CompiledRules;
let entry: BaselineEntry;

const rfcSchema = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/mud/rfc8520-mud.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(rfcSchema);

interface Doc {
  'ietf-mud:mud': Record<string, unknown> & {
    'from-device-policy': { 'access-lists': { 'access-list': { name: string }[] } };
    'to-device-policy': { 'access-lists': { 'access-list': { name: string }[] } };
  };
  'ietf-access-control-list:acls': {
    acl: { name: string; type: string; aces: { ace: Record<string, unknown>[] } }[];
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'camwatch-mud-export-'));
  store = await openStore({ dataDir: join(dir, 'data') });
  await writeFlows(store, scenario());
  rules = await loadRules();
  entry = await learnBaseline(store, rules, { ...WINDOW, name: 'hour', nowMs: T0 + HOUR });
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One line per ACE: what it matches, compactly. */
function describeAce(ace: Record<string, unknown>): string {
  const m = ace.matches as Record<string, Record<string, unknown>>;
  const ip = m.ipv4 ?? m.ipv6 ?? {};
  const who =
    ip['ietf-acldns:dst-dnsname'] ??
    ip['ietf-acldns:src-dnsname'] ??
    ip['destination-ipv4-network'] ??
    ip['source-ipv4-network'] ??
    (m['ietf-mud:mud'] ? 'local-networks' : '?');
  const l4 = m.tcp ?? m.udp ?? {};
  const port = (l4['destination-port'] ?? l4['source-port']) as { port: number } | undefined;
  const side = l4['destination-port'] ? 'dst' : 'src';
  return `${who} ${ip.protocol}${port ? ` ${side}:${port.port}` : ''}${l4['ietf-mud:direction-initiated'] ? ` ${l4['ietf-mud:direction-initiated']}` : ''}`;
}

describe('MUD export of a learned baseline', () => {
  test('valid RFC 8520 structure, with the peers camera A learned', async () => {
    const [profile] = await mudProfiles(store, rules, entry, { devices: [A] });
    const doc = profile!.mud as unknown as Doc;
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const mud = doc['ietf-mud:mud'];
    expect(mud).toMatchObject({
      'mud-version': 1,
      'mud-url': 'https://camwatch.invalid/mud/hour/10.1.0.7.mud.json',
      'last-update': new Date(T0 + HOUR).toISOString(),
      'cache-validity': 48,
      'is-supported': true,
    });
    // the policies refer to ACLs that exist (RFC 8520 §2.1: leafref to /acls/acl/name)
    const names = new Set(doc['ietf-access-control-list:acls'].acl.map((a) => a.name));
    for (const side of ['from-device-policy', 'to-device-policy'] as const)
      for (const r of mud[side]['access-lists']['access-list']) expect(names.has(r.name)).toBe(true);
    const [fr, to] = doc['ietf-access-control-list:acls'].acl;
    expect(fr!.type).toBe('ipv4-acl-type');
    // A's hour: EZVIZ cloud, new.example.com, NTP (all by name), DNS to 8.8.8.8 and STUN (by address),
    // the NVR and the gateway (local); telnet and inbound contacts are not A's
    expect(fr!.aces.ace.map(describeAce).sort()).toEqual(
      [
        '8.8.8.8/32 17 dst:53',
        '74.125.250.129/32 17 dst:3478',
        'dev.ezviz7.com 6 dst:8555 from-device',
        'local-networks 6 dst:49152 from-device',
        'local-networks 6 dst:554 from-device',
        'new.example.com 6 dst:443 from-device',
        'time.nist.gov 17 dst:123',
      ].sort(),
    );
    // every from-device ACE has its mirror in the to-device ACL, as in RFC 8520 §9
    expect(to!.aces.ace.map(describeAce).sort()).toEqual(
      fr!.aces.ace.map((a) => describeAce(a).replace(' dst:', ' src:')).sort(),
    );
    for (const ace of [...fr!.aces.ace, ...to!.aces.ace])
      expect(ace.actions).toEqual({ forwarding: 'accept' });
  });

  test('deterministic: the same baseline gives the same bytes', async () => {
    const a = await mudProfiles(store, rules, entry);
    const b = await mudProfiles(store, rules, entry);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.map((p) => p.fileName)).toEqual([
      '10.1.0.7.mud.json',
      '10.1.0.8.mud.json',
      '10.1.0.9.mud.json',
      '2001-db8-cafe--7.mud.json',
    ]);
    for (const p of a) expect(validate(p.mud), `${p.fileName} ${JSON.stringify(validate.errors)}`).toBe(true);
    // the IPv6 camera's public peer is in an IPv6 ACL, as a /128
    const v6 = a[3]!.mud as unknown as Doc;
    expect(v6['ietf-access-control-list:acls'].acl.map((x) => x.type)).toEqual([
      'ipv6-acl-type',
      'ipv6-acl-type',
    ]);
    expect(JSON.stringify(v6)).toContain('"destination-ipv6-network":"2a00:1450:4001:80b::200e/128"');
  });

  test('a device group gives one profile: the union of its devices’ peers, bound to the group', async () => {
    const groupDir = join(dir, 'group-rules');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(groupDir);
    const site = join(groupDir, 'site.yaml');
    writeFileSync(site, 'kind: operator\nid: site\ngroups:\n  - { id: lan-cams, networks: [10.1.0.0/24] }\n');
    const siteRules = await loadRules({ paths: [site] });
    const [profile, ...more] = await mudProfiles(store, siteRules, entry, { group: 'lan-cams' });
    expect(more).toEqual([]);
    expect(profile!.fileName).toBe('group-lan-cams.mud.json');
    expect(validate(profile!.mud), JSON.stringify(validate.errors)).toBe(true);
    const doc = profile!.mud as unknown as Doc;
    const fr = doc['ietf-access-control-list:acls'].acl[0]!.aces.ace.map(describeAce);
    // A's peers, B's EZVIZ cloud (also A's: one ACE) and C's 203.0.113.50; not the IPv6 camera's
    expect(fr).toContain('203.0.113.50/32 6 dst:443 from-device');
    expect(fr.filter((x) => x.startsWith('dev.ezviz7.com'))).toHaveLength(1);
    expect(JSON.stringify(doc)).not.toContain('2a00:1450');
    const pack = mudBindingsPack(entry, [profile!]);
    expect(pack).toMatchObject({
      groups: [{ id: 'lan-cams', networks: ['10.1.0.0/24'] }],
      mud: [{ scope: { groups: ['lan-cams'] } }],
    });
    writeFileSync(join(groupDir, profile!.fileName), JSON.stringify(profile!.mud));
    writeFileSync(join(groupDir, 'hour.mud-bindings.yaml'), stringify(pack));
    const withMud = await loadRules({ paths: [groupDir] });
    // the group's profile allows C's peer for B too, and nothing for a device outside the group
    const peer = { ip: '203.0.113.50', port: 443, proto: 6 };
    expect(withMud.allowedBy({ ip: '10.1.0.8' }, peer)).toBeDefined();
    expect(withMud.allowedBy({ ip: '10.2.0.8' }, peer)).toBeUndefined();
    await expect(mudProfiles(store, siteRules, entry, { group: 'nope' })).rejects.toMatchObject({
      code: 'CW_ERR_NOT_FOUND',
    });
  });

  test('loaded back as rules, the learned peers of the bound device raise nothing that an allow can silence', async () => {
    const before = await analyze(store, rules, {
      window: WINDOW,
      nowMs: T0 + HOUR,
      baseline: { name: 'none' },
    });
    const out = join(dir, 'rules');
    const profiles = await mudProfiles(store, rules, entry, { devices: [A] });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(out);
    for (const p of profiles) writeFileSync(join(out, p.fileName), JSON.stringify(p.mud));
    writeFileSync(join(out, 'hour.mud-bindings.yaml'), stringify(mudBindingsPack(entry, profiles)));
    const withMud = await loadRules({ paths: [out] });
    const after = await analyze(store, withMud, {
      window: WINDOW,
      nowMs: T0 + HOUR,
      baseline: { name: 'none' },
    });
    const of = (r: typeof before, dev: string) =>
      r.alerts
        .filter((a) => a.deviceIp === dev)
        .map((a) => `${a.detector} ${a.peerName ?? a.peerIp ?? ''}`)
        .sort();
    expect(of(before, A).length).toBeGreaterThan(2);
    // left for A: the UPnP port mapping (no destination excuses it). The public NTP, a grouped
    // per-camera event, is silenced by the profile's name for its server (time.nist.gov).
    expect(of(before, A)).toContain('ntp-public time.nist.gov');
    expect(of(after, A)).toEqual(of(before, A).filter((x) => /^upnp-portmap /.test(x)));
    // other cameras are not bound to A's profile: unchanged
    for (const dev of ['10.1.0.8', '10.1.0.9', '2001:db8:cafe::7'])
      expect(of(after, dev)).toEqual(of(before, dev));
  });
});
