/**
 * Reads rule packs (YAML) from files and directories, validates them against the JSON Schema and the
 * semantic checks the schema cannot express, and reports every problem with the file, line and key:
 *
 *   rules/site.yaml:14: allow[2].networks[0]: "10.0.0.0/33" is not a CIDR network
 *
 * `checkRulePacks` returns all problems (for `camwatch rules check`); `loadRulePacks` throws a RuleError
 * naming the first one and how many more there are.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { type Document, isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { RuleError } from '../../model/errors.js';
import { isDomainName } from './domain-matcher.js';
import { parseCidr, parseIp } from './ip-address.js';
import type { MudFile } from './mud-file.js';
import { MAX_MUD_BYTES, MUD_SCHEMA } from './mud-schema.js';
import { isMudDocument, readMudDocument } from './read-mud.js';
import { RULE_SCHEMAS } from './rule-schema.js';
import type { OperatorPack, PackKind, PolicyPack, RulePack, Scope, VendorPack } from './rule-types.js';

export interface RuleProblem {
  file: string;
  /** 1-based; 0 when the problem is about the file as a whole. */
  line: number;
  /** Path of the key, e.g. `allow[2].networks[0]`; empty for the document. */
  key: string;
  message: string;
}

export interface LoadedPack {
  file: string;
  pack: RulePack;
}

export function formatProblem(p: RuleProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}` : p.file;
  return p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`;
}

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validators = {
  policy: ajv.compile(RULE_SCHEMAS.policy),
  vendor: ajv.compile(RULE_SCHEMAS.vendor),
  operator: ajv.compile(RULE_SCHEMAS.operator),
  mud: ajv.compile(MUD_SCHEMA),
};

/** Parse and validate one pack from text. `file` is used in messages only. */
export function parseRulePack(text: string, file: string): { pack?: RulePack; problems: RuleProblem[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const problems: RuleProblem[] = [];
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 0 : lc.linePos(offset).line);
  for (const e of doc.errors) {
    problems.push({ file, line: lineOf(e.pos[0]), key: '', message: `YAML: ${e.message.split('\n')[0]}` });
  }
  if (problems.length > 0) return { problems };
  let value: unknown;
  try {
    // an alias to an anchor that does not exist (`*x`) parses, and only fails here
    value = doc.toJS() as unknown;
  } catch (e) {
    problems.push({ file, line: 0, key: '', message: `YAML: ${(e as Error).message}` });
    return { problems };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ file, line: 1, key: '', message: 'a rule pack is a mapping with a `kind` key' });
    return { problems };
  }
  const at = (path: (string | number)[], message: string): void => {
    problems.push({ file, line: lineAt(doc, lc, path), key: keyText(path), message });
  };
  if (isMudDocument(value)) return parseMud(text, file, value, at, problems);
  const kind = (value as { kind?: unknown }).kind;
  if (kind !== 'policy' && kind !== 'vendor' && kind !== 'operator') {
    at(['kind'], `must be one of policy, vendor, operator (found ${JSON.stringify(kind ?? null)})`);
    return { problems };
  }
  const validate = validators[kind as PackKind];
  if (!validate(value)) {
    for (const err of dedupeErrors(validate.errors ?? [])) at(errorPath(err), describeAjvError(err));
    problems.sort((a, b) => a.line - b.line);
    return { problems };
  }
  const pack = value as RulePack;
  semanticChecks(pack, at);
  problems.sort((a, b) => a.line - b.line);
  return problems.length > 0 ? { problems } : { pack, problems };
}

/** A MUD file (RFC 8520) is JSON, at most MAX_MUD_BYTES, valid against MUD_SCHEMA, then compiled. */
function parseMud(
  text: string,
  file: string,
  value: unknown,
  at: (path: (string | number)[], message: string) => void,
  problems: RuleProblem[],
): { pack?: RulePack; problems: RuleProblem[] } {
  if (Buffer.byteLength(text) > MAX_MUD_BYTES) {
    problems.push({ file, line: 0, key: '', message: `a MUD file is at most ${MAX_MUD_BYTES} bytes` });
    return { problems };
  }
  try {
    JSON.parse(text);
  } catch (e) {
    problems.push({
      file,
      line: 0,
      key: '',
      message: `a MUD file is JSON (RFC 8520): ${(e as Error).message}`,
    });
    return { problems };
  }
  if (!validators.mud(value)) {
    for (const err of dedupeErrors(validators.mud.errors ?? [])) at(errorPath(err), describeAjvError(err));
  } else {
    const pack = readMudDocument(value as MudFile, at);
    if (problems.length === 0) return { pack, problems };
  }
  problems.sort((a, b) => a.line - b.line);
  return { problems };
}

/**
 * Every problem in the packs under the given files or directories (recursively, *.yaml / *.yml, and
 * MUD files named *.mud.json).
 */
export async function checkRulePacks(
  paths: readonly string[],
  opts: { cwd?: string } = {},
): Promise<{ packs: LoadedPack[]; problems: RuleProblem[] }> {
  const files: string[] = [];
  for (const p of paths) files.push(...(await listYaml(p)));
  const packs: LoadedPack[] = [];
  const problems: RuleProblem[] = [];
  const cwd = opts.cwd ?? process.cwd();
  for (const f of files) {
    const shown = relative(cwd, f).startsWith('..') ? f : relative(cwd, f);
    let text: string;
    try {
      if (/\.json$/i.test(f) && (await stat(f)).size > MAX_MUD_BYTES) {
        problems.push({
          file: shown,
          line: 0,
          key: '',
          message: `a MUD file is at most ${MAX_MUD_BYTES} bytes`,
        });
        continue;
      }
      text = await readFile(f, 'utf8');
    } catch (err) {
      problems.push({ file: shown, line: 0, key: '', message: `cannot read: ${(err as Error).message}` });
      continue;
    }
    const r = parseRulePack(text, shown);
    problems.push(...r.problems);
    if (r.pack) packs.push({ file: shown, pack: r.pack });
  }
  problems.push(...crossPackChecks(packs));
  return { packs, problems };
}

/** Load packs or throw a RuleError naming the first problem (file, line, key). */
export async function loadRulePacks(
  paths: readonly string[],
  opts: { cwd?: string } = {},
): Promise<LoadedPack[]> {
  const { packs, problems } = await checkRulePacks(paths, opts);
  if (problems.length > 0) {
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
    throw new RuleError(`${formatProblem(first)}${more}`, {
      file: first.file,
      line: first.line > 0 ? first.line : undefined,
    });
  }
  return packs;
}

async function listYaml(p: string): Promise<string[]> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(p);
  } catch {
    throw new RuleError(`${p}: no such rule file or directory`, { file: p });
  }
  if (!st.isDirectory()) return [p];
  const out: string[] = [];
  const entries = (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const full = join(p, e.name);
    if (e.isDirectory()) out.push(...(await listYaml(full)));
    else if (/\.ya?ml$|\.mud\.json$/i.test(e.name)) out.push(full);
  }
  return out;
}

// ---------------------------------------------------------------- positions

function lineAt(doc: Document, lc: LineCounter, path: (string | number)[]): number {
  // Walk down as far as the path exists; a missing key reports the line of its parent.
  let node: unknown = doc.contents;
  let line = 1;
  const lineOfNode = (n: unknown): number | undefined => {
    const r = (n as Node | null)?.range;
    return r ? lc.linePos(r[0]).line : undefined;
  };
  line = lineOfNode(node) ?? 1;
  for (const k of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === k);
      if (!pair) break;
      line = lineOfNode(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof k === 'number') {
      const item = node.items[k];
      if (item === undefined) break;
      line = lineOfNode(item) ?? line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

function keyText(path: (string | number)[]): string {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s ? `.${k}` : k;
  return s;
}

function errorPath(err: ErrorObject): (string | number)[] {
  const parts = err.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (err.keyword === 'additionalProperties') parts.push(String(err.params.additionalProperty));
  if (err.keyword === 'required') parts.push(String(err.params.missingProperty));
  return parts;
}

function describeAjvError(err: ErrorObject): string {
  switch (err.keyword) {
    case 'additionalProperties':
      return 'unknown key';
    case 'required':
      return 'is required';
    case 'enum':
      return `must be one of ${(err.params.allowedValues as unknown[]).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(err.params.allowedValue)}`;
    case 'anyOf':
      return 'needs at least one of networks, domains, asns, countries, ports';
    case 'oneOf':
      return 'must be a port (0-65535) or a range "low-high"';
    case 'pattern':
      return patternMessage(err);
    case 'maxProperties':
    case 'minProperties':
      return err.message ?? err.keyword;
    default:
      return err.message ?? err.keyword;
  }
}

function patternMessage(err: ErrorObject): string {
  const found = JSON.stringify(err.data);
  if (err.instancePath.includes('/countries/'))
    return `${found} is not an ISO 3166 alpha-2 code in capitals (DE, US)`;
  if (err.instancePath.endsWith('/expires')) return `${found} is not a date (YYYY-MM-DD or ISO date-time)`;
  if (err.instancePath.endsWith('/id')) return `${found} is not an id (letters, digits, '.', '_', '-')`;
  if (/\/(mud-)?url$/.test(err.instancePath)) return `${found} is not an https:// URL`;
  return `${found} does not match ${String(err.params.pattern)}`;
}

/** Ajv reports each branch of a oneOf; keep the summary and drop the branch noise under the same path. */
function dedupeErrors(errors: ErrorObject[]): ErrorObject[] {
  const summarised = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const seen = new Set<string>();
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword !== 'oneOf' && summarised.has(e.instancePath)) continue;
    if (
      e.keyword !== 'anyOf' &&
      errors.some((o) => o.keyword === 'anyOf' && e.schemaPath.startsWith(o.schemaPath))
    )
      continue;
    const k = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}

// ---------------------------------------------------------------- semantic checks

type At = (path: (string | number)[], message: string) => void;

function checkCidrs(list: string[] | undefined, path: (string | number)[], at: At): void {
  list?.forEach((c, i) => {
    if (!parseCidr(c)) at([...path, i], `${JSON.stringify(c)} is not an address or CIDR network`);
  });
}

function checkDomains(list: string[] | undefined, path: (string | number)[], at: At): void {
  list?.forEach((d, i) => {
    if (!isDomainName(d)) at([...path, i], `${JSON.stringify(d)} is not a domain name`);
  });
}

function checkPorts(list: (number | string)[] | undefined, path: (string | number)[], at: At): void {
  list?.forEach((p, i) => {
    if (typeof p === 'string') {
      const [lo, hi] = p.split('-').map(Number);
      if (lo! > 65535 || (hi !== undefined && (hi > 65535 || hi < lo!)))
        at([...path, i], `${JSON.stringify(p)} is not a port range within 0-65535`);
    }
  });
}

function checkPeer(
  p: { networks?: string[]; domains?: string[]; ports?: (number | string)[] } | undefined,
  path: (string | number)[],
  at: At,
): void {
  if (!p) return;
  checkCidrs(p.networks, [...path, 'networks'], at);
  checkDomains(p.domains, [...path, 'domains'], at);
  checkPorts(p.ports, [...path, 'ports'], at);
}

function checkScope(s: Scope | undefined, path: (string | number)[], groups: Set<string>, at: At): void {
  if (!s) return;
  checkCidrs(s.devices, [...path, 'devices'], at);
  s.groups?.forEach((g, i) => {
    if (!groups.has(g)) at([...path, 'groups', i], `no device group ${JSON.stringify(g)} in this pack`);
  });
}

function uniqueIds(items: { id: string }[] | undefined, path: string, at: At): void {
  const seen = new Map<string, number>();
  items?.forEach((it, i) => {
    const prev = seen.get(it.id);
    if (prev !== undefined)
      at([path, i, 'id'], `duplicate id ${JSON.stringify(it.id)} (also ${path}[${prev}])`);
    else seen.set(it.id, i);
  });
}

function semanticChecks(pack: RulePack, at: At): void {
  if (pack.kind === 'policy') checkPolicy(pack, at);
  else if (pack.kind === 'vendor') checkVendor(pack, at);
  else if (pack.kind === 'operator') checkOperator(pack, at);
}

function checkPolicy(p: PolicyPack, at: At): void {
  checkCidrs(p.local.networks, ['local', 'networks'], at);
}

function checkVendor(p: VendorPack, at: At): void {
  uniqueIds(p.endpoints, 'endpoints', at);
  p.endpoints.forEach((e, i) => {
    const m = e.match;
    const path = ['endpoints', i, 'match'];
    if (m.domain !== undefined && !isDomainName(m.domain)) at([...path, 'domain'], 'is not a domain name');
    if (m.domainSuffix !== undefined && !isDomainName(m.domainSuffix))
      at([...path, 'domainSuffix'], 'is not a domain name');
    if (m.ip !== undefined && !parseIp(m.ip))
      at([...path, 'ip'], `${JSON.stringify(m.ip)} is not an address`);
    if (m.cidr !== undefined && !parseCidr(m.cidr)) at([...path, 'cidr'], 'is not a CIDR network');
    if (m.port !== undefined) checkPorts([m.port], path, at);
    checkPorts(e.ports, ['endpoints', i, 'ports'], at);
  });
}

function checkOperator(p: OperatorPack, at: At): void {
  const groups = new Set((p.groups ?? []).map((g) => g.id));
  uniqueIds(p.groups, 'groups', at);
  uniqueIds(p.allow, 'allow', at);
  uniqueIds(p.watch, 'watch', at);
  uniqueIds(p.severityOverrides, 'severityOverrides', at);
  uniqueIds(p.suppressions, 'suppressions', at);
  p.groups?.forEach((g, i) => {
    checkCidrs(g.networks, ['groups', i, 'networks'], at);
  });
  checkCidrs(p.infrastructure?.networks, ['infrastructure', 'networks'], at);
  p.allow?.forEach((r, i) => {
    checkPeer(r, ['allow', i], at);
    checkScope(r.scope, ['allow', i, 'scope'], groups, at);
  });
  p.watch?.forEach((r, i) => {
    checkPeer(r, ['watch', i], at);
    checkScope(r.scope, ['watch', i, 'scope'], groups, at);
  });
  p.severityOverrides?.forEach((r, i) => {
    checkPeer(r.peer, ['severityOverrides', i, 'peer'], at);
    checkScope(r.scope, ['severityOverrides', i, 'scope'], groups, at);
  });
  p.mud?.forEach((b, i) => {
    checkScope(b.scope, ['mud', i, 'scope'], groups, at);
  });
  p.suppressions?.forEach((r, i) => {
    checkPeer(r.peer, ['suppressions', i, 'peer'], at);
    checkScope(r.scope, ['suppressions', i, 'scope'], groups, at);
    if (Number.isNaN(Date.parse(r.expires))) at(['suppressions', i, 'expires'], 'is not a valid date');
    if (!r.scope && !r.detector && !r.peer)
      at(['suppressions', i], 'a suppression needs a scope, a detector or a peer (it would hide everything)');
  });
}

/** Checks across files: one policy at most, unique pack ids per kind, unique vendor endpoint ids. */
function crossPackChecks(packs: LoadedPack[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const ids = new Map<string, string>();
  const endpointIds = new Map<string, string>();
  for (const { file, pack } of packs) {
    const k = `${pack.kind}:${pack.id}`;
    const prev = ids.get(k);
    if (prev)
      problems.push({ file, line: 1, key: 'id', message: `${pack.kind} pack id ${pack.id} also in ${prev}` });
    else ids.set(k, file);
    if (pack.kind === 'vendor') {
      for (const e of pack.endpoints) {
        const p = endpointIds.get(e.id);
        if (p && p !== file)
          problems.push({ file, line: 0, key: 'endpoints', message: `endpoint id ${e.id} also in ${p}` });
        else endpointIds.set(e.id, file);
      }
    }
  }
  const policies = packs.filter((p) => p.pack.kind === 'policy');
  if (policies.length > 1) {
    problems.push({
      file: policies[1]!.file,
      line: 1,
      key: 'kind',
      message: `only one policy pack may be loaded (also ${policies[0]!.file})`,
    });
  }
  return problems;
}
