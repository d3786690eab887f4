/**
 * JSON Schema (draft-07 keywords, Ajv) for a MUD file read as policy: the structure of RFC 8520 §2.1
 * (ietf-mud) and RFC 8519 §4.1 (ietf-access-control-list, ietf-packet-fields), with the RFC 8520 §8
 * DNS-name augment. A MUD file is untrusted input: every list and string is bounded, the ACL and ACE
 * structures accept only the members the RFC trees define. The top level and the `ietf-mud:mud`
 * container accept other members (extensions, RFC 8520 §3.7), which camwatch ignores. Checks a schema
 * cannot say (prefix syntax, names the policies refer to, port ranges) are in read-mud.ts.
 */
import { ACLS_CONTAINER, DIRECTION_INITIATED, DST_DNSNAME, MUD_CONTAINER, SRC_DNSNAME } from './mud-file.js';

/** The largest MUD file read, in bytes (the RFC 8520 examples are ~2 KB; a learned profile ~100 KB). */
export const MAX_MUD_BYTES = 1024 * 1024;

const uint8 = { type: 'integer', minimum: 0, maximum: 255 } as const;
const uint16 = { type: 'integer', minimum: 0, maximum: 65535 } as const;
const port = uint16;
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const uri = { type: 'string', minLength: 1, maxLength: 2048 } as const;
const host = text(253);
const yangEmpty = { type: 'array', minItems: 1, maxItems: 1, items: { type: 'null' } } as const;
/** ietf-packet-fields `port-range-or-operator` (its choice is checked in read-mud.ts). */
const portMatch = {
  type: 'object',
  additionalProperties: false,
  properties: {
    'lower-port': port,
    'upper-port': port,
    operator: { enum: ['lte', 'gte', 'eq', 'neq'] },
    port,
  },
} as const;
const ipMatch = (v: 4 | 6) => ({
  type: 'object',
  additionalProperties: false,
  properties: {
    dscp: { type: 'integer', minimum: 0, maximum: 63 },
    ecn: { type: 'integer', minimum: 0, maximum: 3 },
    length: uint16,
    ttl: uint8,
    protocol: uint8,
    ...(v === 4
      ? {
          ihl: { type: 'integer', minimum: 5, maximum: 60 },
          flags: text(64),
          offset: { type: 'integer', minimum: 20, maximum: 65535 },
          identification: uint16,
          'destination-ipv4-network': text(18),
          'source-ipv4-network': text(18),
        }
      : {
          'flow-label': { type: 'integer', minimum: 0, maximum: 1048575 },
          'destination-ipv6-network': text(43),
          'source-ipv6-network': text(43),
        }),
    [DST_DNSNAME]: host,
    [SRC_DNSNAME]: host,
  },
});
const l4Fields = {
  'source-port': portMatch,
  'destination-port': portMatch,
} as const;
const tcpMatch = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...l4Fields,
    'sequence-number': { type: 'integer', minimum: 0 },
    'acknowledgement-number': { type: 'integer', minimum: 0 },
    'data-offset': { type: 'integer', minimum: 5, maximum: 15 },
    reserved: uint8,
    flags: text(64),
    'window-size': uint16,
    'urgent-pointer': uint16,
    options: { type: 'integer', minimum: 0 },
    [DIRECTION_INITIATED]: { enum: ['from-device', 'to-device'] },
  },
} as const;
const udpMatch = {
  type: 'object',
  additionalProperties: false,
  properties: { ...l4Fields, length: uint16 },
} as const;
const mudMatch = {
  type: 'object',
  additionalProperties: false,
  properties: {
    manufacturer: host,
    'same-manufacturer': yangEmpty,
    model: uri,
    'local-networks': yangEmpty,
    controller: uri,
    'my-controller': yangEmpty,
  },
} as const;
const ace = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'actions'],
  properties: {
    name: text(64),
    matches: {
      type: 'object',
      additionalProperties: false,
      properties: {
        eth: { type: 'object' },
        ipv4: ipMatch(4),
        ipv6: ipMatch(6),
        tcp: tcpMatch,
        udp: udpMatch,
        icmp: { type: 'object' },
        [MUD_CONTAINER]: mudMatch,
        'egress-interface': text(255),
        'ingress-interface': text(255),
      },
    },
    actions: {
      type: 'object',
      additionalProperties: false,
      required: ['forwarding'],
      properties: { forwarding: text(80), logging: text(80) },
    },
  },
} as const;
const policy = {
  type: 'object',
  additionalProperties: false,
  properties: {
    'access-lists': {
      type: 'object',
      additionalProperties: false,
      properties: {
        'access-list': {
          type: 'array',
          maxItems: 64,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: { name: text(64) },
          },
        },
      },
    },
  },
} as const;

export const MUD_SCHEMA = {
  $id: 'camwatch:mud',
  type: 'object',
  required: [MUD_CONTAINER],
  properties: {
    [MUD_CONTAINER]: {
      type: 'object',
      required: ['mud-version', 'mud-url', 'last-update', 'is-supported'],
      properties: {
        'mud-version': { const: 1 },
        'mud-url': { ...uri, pattern: '^https://' },
        'last-update': { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}' },
        'mud-signature': uri,
        'cache-validity': { type: 'integer', minimum: 1, maximum: 168 },
        'is-supported': { type: 'boolean' },
        systeminfo: text(1024),
        'mfg-name': text(255),
        'model-name': text(255),
        'firmware-rev': text(255),
        'software-rev': text(255),
        documentation: uri,
        extensions: { type: 'array', maxItems: 64, items: text(40) },
        'from-device-policy': policy,
        'to-device-policy': policy,
      },
    },
    [ACLS_CONTAINER]: {
      type: 'object',
      additionalProperties: false,
      properties: {
        acl: {
          type: 'array',
          maxItems: 64,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name: text(64),
              type: text(80),
              aces: {
                type: 'object',
                additionalProperties: false,
                properties: { ace: { type: 'array', maxItems: 10_000, items: ace } },
              },
            },
          },
        },
      },
    },
  },
} as const;
