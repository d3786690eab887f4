#!/usr/bin/env node
// Converts the research file ../shared/research/vendor-endpoints.yaml into one rule pack per vendor,
// rules/vendors/<vendor>.yaml (kind: vendor). The output is committed; test/analyzer/vendor-rules.test.ts
// runs this script into a temporary folder and fails on any difference.
//
//   node scripts/make-vendor-rules.mjs [research.yaml] [out-dir]
//
// Mapping: research `kind` -> `purpose`; `match.type` -> one `match` key (domain_exact -> domain,
// domain_suffix -> domainSuffix, ip -> ip, cidr -> cidr, asn -> asn, port -> port, payload -> payload);
// `match.proto`/`match.port` -> `proto`/`ports`; `source` kept verbatim with its public URLs extracted
// (github:owner/repo path[@commit] -> https://github.com/owner/repo/blob/<commit|HEAD>/path);
// `direction: lan` when the notes or purpose call it a LAN/inbound indicator. Entries of match type
// `other` (a CVE number, a list of DDNS providers) name no matchable indicator and are left out; the
// file header lists them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const input = process.argv[2] ?? resolve(root, '../shared/research/vendor-endpoints.yaml');
const outDir = process.argv[3] ?? join(root, 'rules/vendors');

const research = parse(readFileSync(input, 'utf8'));
const TYPE_KEY = {
  domain_exact: 'domain',
  domain_suffix: 'domainSuffix',
  ip: 'ip',
  cidr: 'cidr',
  asn: 'asn',
  port: 'port',
  payload: 'payload',
};

function slugOf(id) {
  return id.replace(/-\d+$/, '');
}

function sourceUrls(source) {
  const urls = [];
  for (const part of source.split(/;\s+/)) {
    for (const m of part.matchAll(/https?:\/\/[^\s;,)]+/g)) urls.push(m[0]);
    const gh = /^github:([\w.-]+\/[\w.-]+)\s+([^\s,;(]+)(?:.*?@([0-9a-f]{7,40}))?/.exec(part.trim());
    if (gh) urls.push(`https://github.com/${gh[1]}/blob/${gh[3] ?? 'HEAD'}/${gh[2]}`);
  }
  return [...new Set(urls)];
}

function portValue(v) {
  const s = String(v);
  return /^\d+$/.test(s) ? Number(s) : s;
}

function direction(e) {
  const text = `${e.notes ?? ''} ${e.purpose ?? ''}`;
  return /\bLAN\b|\binbound\b/i.test(text) && !/\boutbound\b/i.test(e.notes ?? '') ? 'lan' : 'outbound';
}

const byVendor = new Map();
const skipped = new Map();
for (const e of research.entries) {
  const slug = slugOf(e.id);
  const key = TYPE_KEY[e.match.type];
  if (!key) {
    if (!skipped.has(slug)) skipped.set(slug, []);
    skipped.get(slug).push(`${e.id} (${e.match.type}: ${e.match.value})`);
    if (!byVendor.has(slug)) byVendor.set(slug, { vendor: e.vendor, endpoints: [] });
    continue;
  }
  let value = e.match.value;
  if (key === 'asn') value = Number(String(value).replace(/^AS/i, ''));
  if (key === 'port') value = portValue(value);
  if (key === 'cidr' && /\/(32|128)$/.test(value)) {
    // a host route is an address rule
  }
  const ep = { id: e.id };
  if (e.product) ep.product = e.product;
  ep.purpose = e.kind;
  ep.match = { [key]: value };
  if (e.match.proto) ep.proto = String(e.match.proto).toLowerCase();
  if (e.match.port !== undefined && key !== 'port') ep.ports = [portValue(e.match.port)];
  ep.direction = direction(e);
  ep.description = e.purpose;
  ep.source = e.source;
  const urls = sourceUrls(e.source);
  if (urls.length > 0) ep.sourceUrls = urls;
  ep.confidence = e.confidence;
  if (e.observed) ep.observed = String(e.observed);
  const notes = [
    e.notes,
    e.source_attribution === 'unattributed' ? 'source unattributed: verify with a lab capture' : '',
  ]
    .filter(Boolean)
    .join(' ');
  if (notes) ep.notes = notes;
  if (!byVendor.has(slug)) byVendor.set(slug, { vendor: e.vendor, endpoints: [] });
  byVendor.get(slug).endpoints.push(ep);
}

mkdirSync(outDir, { recursive: true });
const written = [];
for (const [slug, { vendor, endpoints }] of [...byVendor].sort((a, b) => a[0].localeCompare(b[0]))) {
  if (endpoints.length === 0) continue;
  const pack = {
    kind: 'vendor',
    id: slug,
    vendor,
    description: `Endpoint intelligence for ${vendor} (${endpoints.length} entries).`,
    endpoints,
  };
  const header = [
    '# generated from ../shared/research/vendor-endpoints.yaml by scripts/make-vendor-rules.mjs, do not edit',
    `# research schema_version ${research.schema_version}, generated ${research.generated}`,
    ...(skipped.get(slug) ?? []).map((s) => `# left out (no matchable indicator): ${s}`),
  ].join('\n');
  writeFileSync(join(outDir, `${slug}.yaml`), `${header}\n${stringify(pack, { lineWidth: 0 })}`);
  written.push(`${slug}.yaml`);
}
process.stdout.write(`${written.length} vendor packs written to ${outDir}\n`);
