/**
 * The one field table of the Flow record. Everything else is derived from it: the TypeScript
 * `Flow` type, the ClickHouse columns of the `flows` table, the insert column order, the jsonl and
 * CSV writers and the JSON Schema the API serves.
 *
 * Adding a field (the whole recipe):
 *   1. Add one entry below (a `twin` entry generates the `resp*` side from the `orig*` one).
 *   2. Fill it in the reader(s) that know it (ingest/); absent values may stay undefined.
 *   3. Add a migration in store/ that runs `ALTER TABLE flows ADD COLUMN` with the derived type.
 *   4. Run `npm test`: the generated-artifact test shows the new column and jsonl key.
 *
 * The camelCase `name` is a public contract: it is the key in `--format jsonl` output.
 */

/** How a value is held in memory and written out. */
export type FieldKind =
  | 'timeMs' // number, ms since the Unix epoch (fractional allowed); ISO-8601 UTC with ms in jsonl
  | 'ip' // string, dotted IPv4 or RFC 5952 IPv6; ClickHouse IPv6 (IPv4 mapped)
  | 'mac' // string, lower-case colon form
  | 'uint' // number, non-negative integer
  | 'string'
  | 'strings'; // string[]

export interface FieldSpec {
  /** Public camelCase name (jsonl key). For a twin this is the `orig*` name. */
  readonly name: string;
  readonly kind: FieldKind;
  /** ClickHouse column type, without Nullable/LowCardinality wrapping decisions made elsewhere. */
  readonly chType: string;
  /** ClickHouse compression codec, when one pays. */
  readonly codec?: string;
  /** Value always present on every flow (a required key in jsonl). */
  readonly required?: boolean;
  /** The `orig*` entry generates a `resp*` twin with the same spec. */
  readonly twin?: boolean;
  readonly group: 'time' | 'endpoint' | 'counter' | 'app' | 'enrich' | 'source';
  readonly doc: string;
}

export const FLOW_FIELD_SPECS = [
  // time
  {
    name: 'start',
    kind: 'timeMs',
    chType: 'DateTime64(3)',
    codec: 'DoubleDelta, ZSTD(1)',
    required: true,
    group: 'time',
    doc: 'first packet',
  },
  {
    name: 'end',
    kind: 'timeMs',
    chType: 'DateTime64(3)',
    codec: 'DoubleDelta, ZSTD(1)',
    required: true,
    group: 'time',
    doc: 'last packet',
  },
  {
    name: 'proto',
    kind: 'uint',
    chType: 'UInt8',
    required: true,
    group: 'endpoint',
    doc: 'IANA protocol number',
  },
  { name: 'vlan', kind: 'uint', chType: 'UInt16', group: 'endpoint', doc: 'outermost 802.1Q VLAN id' },
  // endpoints
  {
    name: 'origIp',
    kind: 'ip',
    chType: 'IPv6',
    required: true,
    twin: true,
    group: 'endpoint',
    doc: 'address of the side that started the conversation',
  },
  {
    name: 'origPort',
    kind: 'uint',
    chType: 'UInt16',
    required: true,
    twin: true,
    group: 'endpoint',
    doc: 'transport port (ICMP: type and code as type*256+code on the orig side, 0 on resp)',
  },
  { name: 'origMac', kind: 'mac', chType: 'String', twin: true, group: 'endpoint', doc: 'Ethernet address' },
  // counters
  {
    name: 'origPackets',
    kind: 'uint',
    chType: 'UInt64',
    codec: 'T64, ZSTD(1)',
    required: true,
    twin: true,
    group: 'counter',
    doc: 'packets sent by this side',
  },
  {
    name: 'origBytes',
    kind: 'uint',
    chType: 'UInt64',
    codec: 'T64, ZSTD(1)',
    required: true,
    twin: true,
    group: 'counter',
    doc: 'IP-layer bytes sent by this side (IP total length)',
  },
  { name: 'tcpFlags', kind: 'uint', chType: 'UInt8', group: 'counter', doc: 'OR of TCP flags, both sides' },
  {
    name: 'origGapMedianMs',
    kind: 'uint',
    chType: 'UInt32',
    codec: 'T64, ZSTD(1)',
    twin: true,
    group: 'counter',
    doc: "median gap between this side's packets, over its last 16 gaps (8 ms steps); captures only, ≥ 5 packets",
  },
  {
    name: 'origGapMadMs',
    kind: 'uint',
    chType: 'UInt32',
    codec: 'T64, ZSTD(1)',
    twin: true,
    group: 'counter',
    doc: 'median absolute deviation of those gaps: small against the median means a steady timer',
  },
  {
    name: 'state',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'counter',
    doc: 'Zeek-style conn_state',
  },
  {
    name: 'endReason',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'counter',
    doc: 'why the record was emitted: idle, active, end (FIN/RST), evicted, eof (IPFIX flowEndReason)',
  },
  {
    name: 'communityId',
    kind: 'string',
    chType: 'String',
    group: 'endpoint',
    doc: 'Community ID v1 flow hash (seed 0)',
  },
  // app metadata
  { name: 'dnsQuery', kind: 'string', chType: 'String', group: 'app', doc: 'first DNS query name' },
  {
    name: 'dnsAnswers',
    kind: 'strings',
    chType: 'Array(String)',
    group: 'app',
    doc: 'DNS answer data (addresses, CNAME targets)',
  },
  { name: 'tlsSni', kind: 'string', chType: 'String', group: 'app', doc: 'TLS/QUIC ClientHello server name' },
  { name: 'tlsAlpn', kind: 'strings', chType: 'Array(String)', group: 'app', doc: 'ALPN protocols offered' },
  {
    name: 'tlsVersion',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'app',
    doc: 'highest TLS version offered',
  },
  { name: 'ja4', kind: 'string', chType: 'String', group: 'app', doc: 'JA4 TLS client fingerprint' },
  {
    name: 'tlsCertSubject',
    kind: 'string',
    chType: 'String',
    group: 'app',
    doc: 'server certificate subject CN (TLS 1.2)',
  },
  {
    name: 'tlsCertIssuer',
    kind: 'string',
    chType: 'String',
    group: 'app',
    doc: 'server certificate issuer CN (TLS 1.2)',
  },
  { name: 'httpHost', kind: 'string', chType: 'String', group: 'app', doc: 'HTTP Host header' },
  { name: 'httpUserAgent', kind: 'string', chType: 'String', group: 'app', doc: 'HTTP User-Agent' },
  {
    name: 'httpMethod',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'app',
    doc: 'HTTP/RTSP request method',
  },
  { name: 'httpPath', kind: 'string', chType: 'String', group: 'app', doc: 'HTTP request path' },
  {
    name: 'soapAction',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'app',
    doc: 'UPnP SOAPAction (e.g. AddPortMapping)',
  },
  { name: 'ntpMode', kind: 'uint', chType: 'UInt8', group: 'app', doc: 'NTP mode of the first packet' },
  {
    name: 'ssdp',
    kind: 'string',
    chType: 'String',
    group: 'app',
    doc: 'SSDP start line and ST/NT (M-SEARCH, NOTIFY)',
  },
  {
    name: 'stun',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'app',
    doc: 'STUN/TURN message class seen',
  },
  {
    name: 'appProto',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'app',
    doc: 'application protocol recognised (dns, tls, quic, http, rtsp, ntp, ssdp, stun, natpmp)',
  },
  // enrichment (filled by ingest/enrich)
  {
    name: 'deviceSide',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'enrich',
    doc: 'which side is the watched device: orig, resp, both, none',
  },
  { name: 'deviceIp', kind: 'ip', chType: 'IPv6', group: 'enrich', doc: 'the camera side' },
  {
    name: 'deviceName',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'enrich',
    doc: 'inventory name',
  },
  {
    name: 'deviceVendor',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'enrich',
    doc: 'vendor (inventory or MAC OUI)',
  },
  {
    name: 'deviceSite',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'enrich',
    doc: 'site from the inventory',
  },
  { name: 'peerIp', kind: 'ip', chType: 'IPv6', group: 'enrich', doc: 'the other side' },
  { name: 'peerPort', kind: 'uint', chType: 'UInt16', group: 'enrich', doc: "the other side's port" },
  {
    name: 'peerClass',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'enrich',
    doc: 'public, private, cgnat, multicast, loopback, link-local, documentation, reserved, …',
  },
  {
    name: 'peerCountry',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'enrich',
    doc: 'ISO 3166 code',
  },
  { name: 'peerCity', kind: 'string', chType: 'LowCardinality(String)', group: 'enrich', doc: 'city' },
  { name: 'peerAsn', kind: 'uint', chType: 'UInt32', group: 'enrich', doc: 'autonomous system number' },
  {
    name: 'peerAsOrg',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'enrich',
    doc: 'AS organisation',
  },
  {
    name: 'peerName',
    kind: 'string',
    chType: 'String',
    group: 'enrich',
    doc: 'best name for the peer (SNI, Host, DNS answer)',
  },
  {
    name: 'peerNameSource',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'enrich',
    doc: 'sni, http, dns, quic',
  },
  // provenance
  {
    name: 'sourceFormat',
    kind: 'string',
    chType: 'LowCardinality(String)',
    required: true,
    group: 'source',
    doc: 'pcap, pcapng, zeek, nfdump, netflow5, netflow9, ipfix, aws-vpc, …',
  },
  {
    name: 'sourceFile',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'source',
    doc: 'input file as named by the user',
  },
  {
    name: 'sourceRecord',
    kind: 'uint',
    chType: 'UInt64',
    group: 'source',
    doc: 'packet number (captures) or line/record number (logs) of the first record',
  },
  {
    name: 'ingestId',
    kind: 'string',
    chType: 'LowCardinality(String)',
    group: 'source',
    doc: 'ledger id of the ingest that wrote the row',
  },
] as const satisfies readonly FieldSpec[];

type Spec = (typeof FLOW_FIELD_SPECS)[number];
type RespName<N extends string> = N extends `orig${infer R}` ? `resp${R}` : never;

type ValueOf<K extends FieldKind> = K extends 'timeMs' | 'uint'
  ? number
  : K extends 'strings'
    ? string[]
    : string;

type RequiredSpec = Extract<Spec, { required: true }>;
type OptionalSpec = Exclude<Spec, { required: true }>;

type Named<S extends Spec> = S extends { twin: true } ? S['name'] | RespName<S['name']> : S['name'];

/** One conversation, from any source. Optional fields are absent when unknown. */
export type Flow = { [S in RequiredSpec as Named<S>]: ValueOf<S['kind']> } & {
  [S in OptionalSpec as Named<S>]?: ValueOf<S['kind']>;
};

export type FlowFieldName = keyof Flow;

/** A field after twin expansion: the table every writer iterates. */
export interface FlowField {
  readonly name: FlowFieldName;
  readonly kind: FieldKind;
  readonly chType: string;
  readonly codec: string | undefined;
  readonly required: boolean;
  readonly group: FieldSpec['group'];
  readonly doc: string;
  /** snake_case ClickHouse column name. */
  readonly column: string;
  /** For orig/resp fields: the name of the other side, used when direction is corrected. */
  readonly swapWith: FlowFieldName | undefined;
}

const toColumn = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function expand(): FlowField[] {
  const out: FlowField[] = [];
  for (const s of FLOW_FIELD_SPECS as readonly FieldSpec[]) {
    const base = {
      kind: s.kind,
      chType: s.chType,
      codec: s.codec,
      required: s.required === true,
      group: s.group,
      doc: s.doc,
    };
    if (s.twin) {
      const resp = `resp${s.name.slice(4)}`;
      out.push({
        ...base,
        name: s.name as FlowFieldName,
        column: toColumn(s.name),
        swapWith: resp as FlowFieldName,
      });
      out.push({
        ...base,
        name: resp as FlowFieldName,
        column: toColumn(resp),
        swapWith: s.name as FlowFieldName,
        doc: s.doc.replace('started the conversation', 'answered'),
      });
    } else {
      out.push({ ...base, name: s.name as FlowFieldName, column: toColumn(s.name), swapWith: undefined });
    }
  }
  return out;
}

/** Every Flow field in output order, twins expanded. */
export const FLOW_FIELDS: readonly FlowField[] = Object.freeze(expand());
