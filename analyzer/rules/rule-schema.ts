/**
 * JSON Schema (draft 2020-12 subset Ajv 8 supports by default: draft-07 keywords) for the rule packs.
 * One schema per `kind`; the loader picks it by the pack's `kind` so errors point at the right keys.
 * The shapes mirror rule-types.ts. Semantic checks the schema cannot express (CIDR syntax, domain
 * syntax, dates, references to groups, unique ids) are done by the loader after the schema passes.
 */
import { CONFIDENCES, DETECTORS, PURPOSES, SEVERITIES } from './rule-types.js';

const id = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 120 } as const;
const text = { type: 'string', minLength: 1 } as const;
const severity = { enum: [...SEVERITIES] } as const;
const purpose = { enum: [...PURPOSES] } as const;
const detector = { enum: [...DETECTORS] } as const;
const proto = { enum: ['tcp', 'udp', 'any'] } as const;
const port = {
  oneOf: [
    { type: 'integer', minimum: 0, maximum: 65535 },
    { type: 'string', pattern: '^\\d{1,5}(-\\d{1,5})?$' },
  ],
} as const;
const strings = { type: 'array', items: text, minItems: 1 } as const;
const asn = { type: 'integer', minimum: 0, maximum: 4294967295 } as const;
const country = { type: 'string', pattern: '^[A-Z]{2}$' } as const;

const scope = {
  type: 'object',
  additionalProperties: false,
  properties: { sites: strings, groups: strings, devices: strings },
} as const;

const peerProps = {
  networks: strings,
  domains: strings,
  asns: { type: 'array', items: asn, minItems: 1 },
  countries: { type: 'array', items: country, minItems: 1 },
  ports: { type: 'array', items: port, minItems: 1 },
  proto,
} as const;

const peerCondition = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: peerProps,
} as const;

/** A rule that must name at least one peer criterion. */
const anyPeerKey = {
  anyOf: [
    { required: ['networks'] },
    { required: ['domains'] },
    { required: ['asns'] },
    { required: ['countries'] },
    { required: ['ports'] },
  ],
} as const;

const detectorSettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    severity,
    minScore: { type: 'number', minimum: 0, maximum: 100 },
    minConnections: { type: 'integer', minimum: 2 },
    minBytesOut: { type: 'integer', minimum: 0 },
    maxDevices: { type: 'integer', minimum: 1 },
    minFleet: { type: 'integer', minimum: 1 },
    enabled: { type: 'boolean' },
  },
} as const;

export const POLICY_SCHEMA = {
  $id: 'camwatch:rules/policy',
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'id', 'local', 'egress', 'detectors'],
  properties: {
    kind: { const: 'policy' },
    id,
    description: text,
    local: {
      type: 'object',
      additionalProperties: false,
      required: ['networks'],
      properties: { networks: strings },
    },
    egress: {
      type: 'object',
      additionalProperties: false,
      required: ['unknownPublic', 'otherNonLocal', 'byPurpose'],
      properties: {
        unknownPublic: severity,
        otherNonLocal: severity,
        byPurpose: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(PURPOSES.map((p) => [p, severity])),
        },
      },
    },
    detectors: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(DETECTORS.map((d) => [d, detectorSettings])),
    },
  },
} as const;

export const VENDOR_SCHEMA = {
  $id: 'camwatch:rules/vendor',
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'id', 'vendor', 'endpoints'],
  properties: {
    kind: { const: 'vendor' },
    id,
    vendor: text,
    description: text,
    endpoints: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'purpose', 'match', 'direction', 'description', 'source', 'confidence'],
        properties: {
          id,
          product: text,
          purpose,
          match: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            maxProperties: 1,
            properties: {
              domain: text,
              domainSuffix: text,
              ip: text,
              cidr: text,
              asn,
              port,
              payload: text,
            },
          },
          proto,
          ports: { type: 'array', items: port, minItems: 1 },
          direction: { enum: ['outbound', 'lan'] },
          description: text,
          source: text,
          sourceUrls: { type: 'array', items: { type: 'string', pattern: '^https?://' } },
          confidence: { enum: [...CONFIDENCES] },
          observed: text,
          notes: text,
        },
      },
    },
  },
} as const;

export const OPERATOR_SCHEMA = {
  $id: 'camwatch:rules/operator',
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'id'],
  properties: {
    kind: { const: 'operator' },
    id,
    description: text,
    groups: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        minProperties: 2,
        properties: {
          id,
          networks: strings,
          vendors: strings,
          sites: strings,
          names: strings,
          description: text,
        },
      },
    },
    infrastructure: {
      type: 'object',
      additionalProperties: false,
      required: ['networks'],
      properties: { networks: strings, description: text },
    },
    allow: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'reason'],
        properties: { id, scope, reason: text, ...peerProps },
        ...anyPeerKey,
      },
    },
    watch: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'severity', 'reason'],
        properties: { id, scope, severity, reason: text, ...peerProps },
        ...anyPeerKey,
      },
    },
    severityOverrides: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'severity', 'reason'],
        properties: { id, scope, detector, purpose, peer: peerCondition, severity, reason: text },
      },
    },
    suppressions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'reason', 'expires'],
        properties: {
          id,
          scope,
          detector,
          peer: peerCondition,
          reason: text,
          expires: {
            type: 'string',
            pattern: '^\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+(Z|[+-]\\d{2}:?\\d{2})?)?$',
          },
        },
      },
    },
    mud: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'scope'],
        properties: { url: { type: 'string', pattern: '^https://', maxLength: 2048 }, scope, reason: text },
      },
    },
  },
} as const;

export const RULE_SCHEMAS = {
  policy: POLICY_SCHEMA,
  vendor: VENDOR_SCHEMA,
  operator: OPERATOR_SCHEMA,
} as const;
