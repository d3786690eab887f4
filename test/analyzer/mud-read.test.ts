/**
 * MUD files (RFC 8520) read as policy: the RFC's own example (§9), the allow entries its ACEs compile
 * to, the devices an operator pack binds it to, errors that name the file, line and JSON path, and
 * property tests: any document, mutated or random, ends in a pack or problems (never an exception),
 * and a compiled port match agrees with RFC 8519's operators (eq, lte, gte, neq, ranges).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { compileRules } from '../../analyzer/rules/compiled-rules.js';
import { loadRulePackList } from '../../analyzer/rules/default-rules.js';
import { checkRulePacks, formatProblem, parseRulePack } from '../../analyzer/rules/load-rules.js';
import type { MudPack } from '../../analyzer/rules/rule-types.js';
import { ROOT } from '../helpers/paths.js';

const EXAMPLE_FILE = join(ROOT, 'test/fixtures/mud/rfc8520-example.mud.json');
const EXAMPLE = readFileSync(EXAMPLE_FILE, 'utf8');
const URL = 'https://lighting.example.com/lightbulb2000';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A rules folder with the given files. */
function rulesDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-mud-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const binding = (scope = '{ devices: [10.1.0.0/24] }', url = URL): string =>
  `kind: operator\nid: bulbs\nmud:\n  - url: ${url}\n    scope: ${scope}\n`;

async function compiled(files: Record<string, string>) {
  const dir = rulesDir(files);
  return compileRules(await loadRulePackList({ paths: [dir] }));
}

const example = (): Record<string, unknown> => JSON.parse(EXAMPLE) as Record<string, unknown>;
/** The from-device ACE of the example, to edit. */
const frAce = (doc: Record<string, unknown>): Record<string, Record<string, unknown>> =>
  (
    doc['ietf-access-control-list:acls'] as {
      acl: { aces: { ace: Record<string, Record<string, unknown>>[] } }[];
    }
  ).acl[1]!.aces.ace[0]!;

describe('the RFC 8520 §9 example', () => {
  test('reads as a mud pack: the from-device accept ACE becomes one allow entry', () => {
    const { pack, problems } = parseRulePack(EXAMPLE, 'bulb.mud.json');
    expect(problems).toEqual([]);
    expect(pack).toEqual<MudPack>({
      kind: 'mud',
      id: URL,
      lastUpdate: '2019-01-28T11:20:51+01:00',
      systeminfo: 'The BMS Example Light Bulb',
      allow: [
        { id: 'mud-76100-v6fr/cl0-frdev', peer: { ports: [443], proto: 'tcp' }, hosts: ['test.example.com'] },
      ],
      notes: [],
    });
  });

  test('allows exactly its peer (the name itself, TCP 443) for the devices bound to its URL', async () => {
    const rules = await compiled({ 'bulb.mud.json': EXAMPLE, 'bind.yaml': binding() });
    const dev = { ip: '10.1.0.5' };
    const peer = { ip: '2001:db8::1', name: 'test.example.com', port: 443, proto: 6 };
    expect(rules.allowedBy(dev, peer)).toMatchObject({
      rule: { id: 'mud-76100-v6fr/cl0-frdev' },
      packId: URL,
    });
    expect(rules.allowedBy(dev, { ...peer, name: 'Test.Example.com.' })).toBeDefined();
    // a dnsname is one host: names under it, other ports, UDP and unbound devices are not allowed
    expect(rules.allowedBy(dev, { ...peer, name: 'www.test.example.com' })).toBeUndefined();
    expect(rules.allowedBy(dev, { ...peer, port: 80 })).toBeUndefined();
    expect(rules.allowedBy(dev, { ...peer, proto: 17 })).toBeUndefined();
    expect(rules.allowedBy({ ip: '10.2.0.5' }, peer)).toBeUndefined();
  });

  test('a MUD file nobody binds, or a binding without its file, fails the load', async () => {
    await expect(compiled({ 'bulb.mud.json': EXAMPLE })).rejects.toThrow(
      /bulb\.mud\.json: MUD file https:\/\/lighting\.example\.com\/lightbulb2000 applies to no device/,
    );
    await expect(compiled({ 'bind.yaml': binding(undefined, 'https://other.example/x') })).rejects.toThrow(
      /mud binding https:\/\/other\.example\/x: no MUD file with that mud-url is loaded/,
    );
    const { problems } = await checkRulePacks([rulesDir({ 'bind.yaml': binding('{ groups: [nope] }') })]);
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(/bind\.yaml:5: mud\[0\]\.scope\.groups\[0\]: no device group "nope"/),
    ]);
  });
});

describe('errors name the file, the line and the JSON path', () => {
  const problemsOf = (doc: unknown, text = JSON.stringify(doc, null, 2)) =>
    parseRulePack(text, 'cam.mud.json').problems.map(formatProblem);

  test('schema and semantic problems', () => {
    const bad = example();
    (frAce(bad).matches!.ipv6 as Record<string, unknown>)['destination-ipv6-network'] = '10.0.0.1/32';
    expect(problemsOf(bad)).toEqual([
      'cam.mud.json:68: ietf-access-control-list:acls.acl[1].aces.ace[0].matches.ipv6.destination-ipv6-network: "10.0.0.1/32" is not an IPv6 prefix (address/length)',
    ]);
    const http = example();
    (http['ietf-mud:mud'] as Record<string, unknown>)['mud-url'] = 'http://lighting.example.com/x';
    expect(problemsOf(http)).toEqual([
      'cam.mud.json:4: ietf-mud:mud.mud-url: "http://lighting.example.com/x" is not an https:// URL',
    ]);
    const unknownKey = example();
    frAce(unknownKey).matches!.sctp = {};
    expect(problemsOf(unknownKey)).toEqual([
      expect.stringMatching(
        /^cam\.mud\.json:\d+: ietf-access-control-list:acls\.acl\[1\]\.aces\.ace\[0\]\.matches\.sctp: unknown key$/,
      ),
    ]);
    const dangling = example();
    (
      dangling['ietf-mud:mud'] as {
        'from-device-policy': { 'access-lists': { 'access-list': { name: string }[] } };
      }
    )['from-device-policy']['access-lists']['access-list'][0]!.name = 'nope';
    expect(problemsOf(dangling)).toEqual([
      'cam.mud.json:13: ietf-mud:mud.from-device-policy.access-lists.access-list[0].name: no ACL named "nope" in ietf-access-control-list:acls',
    ]);
    const ports = example();
    (frAce(ports).matches!.tcp as Record<string, unknown>)['destination-port'] = {
      'lower-port': 9000,
      'upper-port': 80,
    };
    expect(problemsOf(ports)).toEqual([
      expect.stringMatching(/destination-port: lower-port must be less than or equal to upper-port$/),
    ]);
  });

  test('not JSON, and too large', async () => {
    expect(problemsOf(undefined, "'ietf-mud:mud': { mud-version: 1 }")).toEqual([
      expect.stringMatching(/^cam\.mud\.json: a MUD file is JSON \(RFC 8520\): /),
    ]);
    const big = rulesDir({ 'big.mud.json': `{"ietf-mud:mud":{},"pad":"${'x'.repeat(1024 * 1024)}"}` });
    const { problems } = await checkRulePacks([big], { cwd: big });
    expect(problems.map(formatProblem)).toEqual(['big.mud.json: a MUD file is at most 1048576 bytes']);
  });
});

describe('what compiles', () => {
  test('classes camwatch cannot resolve, the device’s own address and ICMP are left out with a note', async () => {
    const doc = example();
    const aces = (doc['ietf-access-control-list:acls'] as { acl: { aces: { ace: unknown[] } }[] }).acl[1]!
      .aces.ace;
    aces.push(
      {
        name: 'ctl',
        matches: { 'ietf-mud:mud': { controller: 'urn:ietf:params:mud:dns' } },
        actions: { forwarding: 'accept' },
      },
      {
        name: 'own',
        matches: { ipv6: { 'source-ipv6-network': '2001:db8::/64' } },
        actions: { forwarding: 'accept' },
      },
      { name: 'ping', matches: { ipv6: { protocol: 58 } }, actions: { forwarding: 'accept' } },
      {
        name: 'lan',
        matches: { 'ietf-mud:mud': { 'local-networks': [null] } },
        actions: { forwarding: 'accept' },
      },
      {
        name: 'no',
        matches: { ipv6: { 'destination-ipv6-network': '2001:db8:1::/48' } },
        actions: { forwarding: 'drop' },
      },
      {
        name: 'ntp',
        matches: {
          ipv6: { 'destination-ipv6-network': '2001:db8:123::/48', protocol: 17 },
          udp: { 'destination-port': { port: 123 } },
        },
        actions: { forwarding: 'ietf-access-control-list:accept' },
      },
    );
    const rules = await compiled({ 'bulb.mud.json': JSON.stringify(doc), 'bind.yaml': binding() });
    expect(rules.mudNotes().map((n) => n.note)).toEqual([
      'from-device ACL mud-76100-v6fr ACE ctl: matches the MUD class controller, which camwatch cannot resolve to peers; not compiled',
      "from-device ACL mud-76100-v6fr ACE own: matches the device's own address or name; not compiled",
      'from-device ACL mud-76100-v6fr ACE ping: matches IP protocol 58 (allow entries cover TCP, UDP or every protocol); not compiled',
    ]);
    const dev = { ip: '10.1.0.9' };
    expect(rules.allowedBy(dev, { ip: '2001:db8:123::7', port: 123, proto: 17 })).toMatchObject({
      rule: { id: 'mud-76100-v6fr/ntp' },
    });
    expect(rules.allowedBy(dev, { ip: '2001:db8:123::7', port: 123, proto: 6 })).toBeUndefined();
    expect(rules.allowedBy(dev, { ip: '2001:db8:1::7', port: 443, proto: 6 })).toBeUndefined();
  });

  test('property: a compiled port match agrees with RFC 8519 operators and ranges', async () => {
    // one rules load per shape; the oracle is the operator's definition in ietf-packet-fields
    const shapes = fc.oneof(
      fc.record({
        operator: fc.constantFrom('eq', 'lte', 'gte', 'neq'),
        port: fc.integer({ min: 0, max: 65535 }),
      }),
      fc
        .tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }))
        .map(([a, b]) => ({ 'lower-port': Math.min(a, b), 'upper-port': Math.max(a, b) })),
    );
    const oracle = (m: Record<string, number | string>, p: number): boolean => {
      if ('lower-port' in m) return p >= (m['lower-port'] as number) && p <= (m['upper-port'] as number);
      const q = m.port as number;
      return m.operator === 'lte'
        ? p <= q
        : m.operator === 'gte'
          ? p >= q
          : m.operator === 'neq'
            ? p !== q
            : p === q;
    };
    await fc.assert(
      fc.asyncProperty(
        shapes,
        fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 8 }),
        async (m, probes) => {
          const doc = example();
          (frAce(doc).matches!.tcp as Record<string, unknown>)['destination-port'] = m;
          const rules = await compiled({ 'bulb.mud.json': JSON.stringify(doc), 'bind.yaml': binding() });
          const q = m as Record<string, number | string>;
          const edges =
            'port' in q
              ? [q.port as number, (q.port as number) - 1, (q.port as number) + 1]
              : [q['lower-port'] as number, q['upper-port'] as number];
          for (const p of [...probes, ...edges].filter((x) => x >= 0 && x <= 65535)) {
            const allowed = rules.allowedBy(
              { ip: '10.1.0.5' },
              { ip: '2001:db8::1', name: 'test.example.com', port: p, proto: 6 },
            );
            expect(allowed !== undefined, `${JSON.stringify(m)} port ${p}`).toBe(oracle(q, p));
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('property: any document ends in a pack or problems, never an exception', () => {
  const json = fc.jsonValue({ maxDepth: 6 });
  test('random values under the MUD container and inside the example', () => {
    fc.assert(
      fc.property(json, json, fc.nat(), (a, b, pick) => {
        const docs: unknown[] = [
          { 'ietf-mud:mud': a },
          { 'ietf-mud:mud': a, 'ietf-access-control-list:acls': b },
        ];
        const ex = example();
        const ace = frAce(ex);
        const targets: Record<string, unknown>[] = [
          ace,
          ace.matches!,
          ace.matches!.ipv6 as Record<string, unknown>,
          ace.matches!.tcp as Record<string, unknown>,
          ex['ietf-mud:mud'] as Record<string, unknown>,
        ];
        const keys = ['matches', 'ipv6', 'tcp', 'destination-port', 'mud-url', 'name', 'actions', 'protocol'];
        targets[pick % targets.length]![keys[pick % keys.length]!] = a;
        docs.push(ex);
        for (const d of docs) {
          const r = parseRulePack(JSON.stringify(d), 'x.mud.json');
          expect(r.pack !== undefined || r.problems.length > 0).toBe(true);
          if (r.pack) expect(r.pack.kind).toBe('mud');
        }
      }),
      { numRuns: 300 },
    );
  });

  test('mutated bytes of the example', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: EXAMPLE.length - 1 }),
        fc.string({ maxLength: 4 }),
        fc.nat({ max: 3 }),
        (at, ins, del) => {
          const text = EXAMPLE.slice(0, at) + ins + EXAMPLE.slice(at + del);
          const r = parseRulePack(text, 'x.mud.json');
          expect(r.pack !== undefined || r.problems.length > 0).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
