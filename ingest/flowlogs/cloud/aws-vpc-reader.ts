import { newFlow, type ProblemLog } from '../../../model/index.js';
import type { OpenedInput } from '../../input/open-input.js';
import type { FormatReader, IngestBatch, ReadContext } from '../../reader.js';
import { firstLine, type LineParser, newBatch, readLineBatches } from '../flow-batch.js';
import { ipFromText } from '../ip-text.js';

/**
 * AWS VPC Flow Logs (text, space-separated): the default version 2 layout, custom layouts named by
 * their header line (`version account-id … log-status` as the S3 delivery writes it), and
 * headerless files of any version written in the documented field order (v2 14 fields, then v3–v5,
 * v7 ECS, v8 reject-reason; extra fields are ignored). Transit Gateway flow logs are recognised by
 * their `tgw-` resource in the 4th field. A custom layout without header needs its format string:
 * `options['aws-vpc'].fields` (the `${…}` form AWS prints is accepted).
 *
 * One record is one direction of one 5-tuple per aggregation interval: src is the orig side, and
 * only the orig counters are filled. `pkt-srcaddr`/`pkt-dstaddr`, when present, replace
 * srcaddr/dstaddr (behind a NAT gateway they are the real endpoints). NODATA/SKIPDATA records carry
 * no flow and are counted. The accept/reject `action` has no Flow field yet and is not kept.
 */

/** The documented field order (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html). */
export const AWS_VPC_DEFAULT_FIELDS = [
  // version 2 (the default format)
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
  // versions 3–5
  'vpc-id',
  'subnet-id',
  'instance-id',
  'tcp-flags',
  'type',
  'pkt-srcaddr',
  'pkt-dstaddr',
  'region',
  'az-id',
  'sublocation-type',
  'sublocation-id',
  'pkt-src-aws-service',
  'pkt-dst-aws-service',
  'flow-direction',
  'traffic-path',
  // version 7 (ECS) and 8
  'ecs-cluster-arn',
  'ecs-cluster-name',
  'ecs-container-instance-arn',
  'ecs-container-instance-id',
  'ecs-container-id',
  'ecs-second-container-id',
  'ecs-service-name',
  'ecs-task-definition-arn',
  'ecs-task-arn',
  'ecs-task-id',
  'reject-reason',
] as const;

/** Transit Gateway flow log default field order. */
export const AWS_TGW_DEFAULT_FIELDS = [
  'version',
  'resource-type',
  'account-id',
  'tgw-id',
  'tgw-attachment-id',
  'tgw-src-vpc-account-id',
  'tgw-dst-vpc-account-id',
  'tgw-src-vpc-id',
  'tgw-dst-vpc-id',
  'tgw-src-subnet-id',
  'tgw-dst-subnet-id',
  'tgw-src-eni',
  'tgw-dst-eni',
  'tgw-src-az-id',
  'tgw-dst-az-id',
  'tgw-pair-attachment-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'log-status',
  'type',
  'packets-lost-no-route',
  'packets-lost-blackhole',
  'packets-lost-mtu-exceeded',
  'packets-lost-ttl-expired',
  'tcp-flags',
  'region',
  'flow-direction',
  'pkt-src-aws-service',
  'pkt-dst-aws-service',
] as const;

const KNOWN = new Set<string>([...AWS_VPC_DEFAULT_FIELDS, ...AWS_TGW_DEFAULT_FIELDS]);

export interface AwsVpcOptions {
  /** Field names of a headerless custom layout, space-separated (`${srcaddr}` form accepted). */
  fields?: string;
}

function isHeader(tokens: string[]): boolean {
  return tokens.includes('srcaddr') && tokens.includes('dstaddr') && tokens.every((t) => KNOWN.has(t));
}

function looksLikeRecord(tokens: string[]): boolean {
  return (
    tokens.length >= 14 &&
    /^[2-9]$/.test(tokens[0]) &&
    (/^(\d{12}|-)$/.test(tokens[1]) || /^(eni|tgw)-/.test(tokens[2]) || /^(eni|tgw)-/.test(tokens[3])) &&
    tokens.every((t) => /^[\x21-\x7e]+$/.test(t))
  );
}

class AwsVpcParser implements LineParser {
  batch = newBatch();
  onLine = (buf: Buffer, s: number, e: number, lineNo: number, offset: number): void =>
    this.line(buf.toString('latin1', s, e), lineNo, offset);
  private col: Record<string, number> | undefined;
  /** NODATA/SKIPDATA records: no traffic or records the capture window skipped; no flow. */
  noData = 0;

  constructor(
    private readonly file: string,
    private readonly problems: ProblemLog,
    private readonly configured: string[] | undefined,
    private readonly onRecord: () => void,
  ) {
    if (configured) this.col = index(configured);
  }

  finish(): void {}

  private line(text: string, lineNo: number, offset: number): void {
    const t = text.trim();
    if (t === '') return;
    const tokens = t.split(/\s+/);
    if (isHeader(tokens)) {
      if (!this.configured) this.col = index(tokens);
      return;
    }
    this.onRecord();
    const where = { file: this.file, line: lineNo, offset };
    if (!this.col) {
      if (!looksLikeRecord(tokens)) {
        this.problems.add('aws-vpc-bad-record', 'not a VPC flow log record', where);
        return;
      }
      this.col = index(
        tokens[3]?.startsWith('tgw-') ? [...AWS_TGW_DEFAULT_FIELDS] : [...AWS_VPC_DEFAULT_FIELDS],
      );
    }
    const c = this.col;
    const get = (name: string): string | undefined => {
      const i = c[name];
      if (i === undefined || i >= tokens.length) return undefined;
      const v = tokens[i];
      return v === '-' ? undefined : v;
    };
    const status = get('log-status');
    if (status === 'NODATA' || status === 'SKIPDATA') {
      this.noData++;
      return;
    }
    const src = ipFromText(get('pkt-srcaddr') ?? '') ?? ipFromText(get('srcaddr') ?? '');
    const dst = ipFromText(get('pkt-dstaddr') ?? '') ?? ipFromText(get('dstaddr') ?? '');
    const num = (name: string): number => {
      const v = get(name);
      return v !== undefined && /^\d+$/.test(v) ? Number(v) : -1;
    };
    const start = num('start');
    const end = num('end');
    const proto = num('protocol');
    if (src === undefined || dst === undefined || start < 0 || proto < 0 || proto > 255) {
      this.problems.add('aws-vpc-bad-value', 'addresses, protocol or start missing or malformed', where);
      return;
    }
    const f = newFlow('aws-vpc', this.file, lineNo);
    f.start = start * 1000;
    f.end = end >= start ? end * 1000 : f.start;
    f.proto = proto;
    f.origIp = src;
    f.respIp = dst;
    f.origPort = Math.max(0, Math.min(65535, num('srcport')));
    f.respPort = Math.max(0, Math.min(65535, num('dstport')));
    f.origPackets = Math.max(0, num('packets'));
    f.origBytes = Math.max(0, num('bytes'));
    const flags = num('tcp-flags');
    if (proto === 6 && flags >= 0 && flags <= 255) f.tcpFlags = flags;
    if (proto === 1 || proto === 58) {
      // VPC flow logs put ICMP type in srcport and code in dstport… when they fill them at all.
      f.origPort = ((f.origPort & 0xff) << 8) | (f.respPort & 0xff);
      f.respPort = 0;
    }
    this.batch.flows.push(f);
  }
}

function index(names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  names.forEach((n, i) => {
    out[n] = i;
  });
  return out;
}

export function parseAwsFieldList(text: string): string[] {
  return text
    .trim()
    .split(/\s+/)
    .map((t) => t.replace(/^\$\{(.*)\}$/, '$1'));
}

export const awsVpcReader: FormatReader = {
  format: 'aws-vpc',
  description: 'AWS VPC / Transit Gateway flow logs (v2 default, custom layouts by header or option)',
  detect(head: Buffer): boolean {
    const tokens = firstLine(head).split(/\s+/);
    return isHeader(tokens) || looksLikeRecord(tokens);
  },
  async *read(input: OpenedInput, ctx: ReadContext): AsyncGenerator<IngestBatch> {
    const opts = (ctx.options['aws-vpc'] ?? {}) as AwsVpcOptions;
    const fields = opts.fields ? parseAwsFieldList(opts.fields) : undefined;
    const parser = new AwsVpcParser(input.name, ctx.stats.problems, fields, () => {
      ctx.stats.records++;
    });
    yield* readLineBatches(input, ctx, parser);
    ctx.stats.counters.awsNoDataRecords = (ctx.stats.counters.awsNoDataRecords ?? 0) + parser.noData;
  },
};
