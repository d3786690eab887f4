import type { DnsName } from '../../model/dns-name.js';
import type { ProblemLog } from '../../model/problem-log.js';

/** Application protocol a flow was recognised as (dispatch by number; see APP_NAMES). */
export const APP_NONE = 0;
export const APP_DNS = 1;
export const APP_TLS = 2;
export const APP_QUIC = 3;
export const APP_HTTP = 4;
export const APP_RTSP = 5;
export const APP_NTP = 6;
export const APP_SSDP = 7;
export const APP_STUN = 8;
export const APP_NATPMP = 9;
export const APP_PCP = 10;
/** WS-Discovery (SOAP over UDP 3702): ONVIF cameras announce and answer probes with it. */
export const APP_WSD = 11;
/** RTP/RTCP media over UDP (the video after an RTSP SETUP). */
export const APP_RTP = 12;
/** Sniffed long enough without recognising anything. */
export const APP_UNKNOWN = 13;

/** The `appProto` value per APP_* number (strings made once). */
export const APP_NAMES: readonly string[] = [
  '',
  'dns',
  'tls',
  'quic',
  'http',
  'rtsp',
  'ntp',
  'ssdp',
  'stun',
  'natpmp',
  'pcp',
  'wsd',
  'rtp',
  '',
];

/** Per-direction stream state (TCP apps). */
export const DIR_OPEN = 0;
export const DIR_DONE = 1;

/** Where passive-DNS observations and bad-packet counts go; one per input file. */
export interface MetaContext {
  /** Passive-DNS observations are pushed here (count 1 each; the consumer merges). */
  names: DnsName[];
  problems: ProblemLog;
  /** The input as the user named it (for problems and DnsName.sourceFile). */
  file: string;
  /** DnsName.sourceFormat; default 'pcap'. */
  format?: string;
  /** Ingest id copied into DnsName.ingestId, when known. */
  ingestId?: string;
  /** The caller may keep this at the current packet number so problems say where (1-based). */
  record?: number;
}

/**
 * Per-flow metadata state and results. One per flow that carries payload, made by `createFlowMeta()`
 * (every field assigned here, once, with its final type: stable shape). Strings are '' and numbers -1
 * while unknown; `finish` turns those into absent fields.
 */
export class FlowMeta {
  // results: the app group of Flow (plus a few extras not in the field table yet)
  dnsQuery = '';
  dnsAnswers: string[] | null = null;
  /** DNS response code of the first response (extra; not a Flow field yet). */
  dnsRcode = -1;
  tlsSni = '';
  tlsAlpn: string[] | null = null;
  tlsVersion = '';
  ja4 = '';
  tlsCertSubject = '';
  tlsCertIssuer = '';
  httpHost = '';
  httpUserAgent = '';
  httpMethod = '';
  httpPath = '';
  soapAction = '';
  ntpMode = -1;
  /** NTP stratum and reference id of the first server packet (extras; not Flow fields yet). */
  ntpStratum = -1;
  ntpRefId = '';
  ssdp = '';
  stun = '';
  /** NAT-PMP / PCP opcode seen, e.g. 'map-tcp' (extra; not a Flow field yet). */
  natpmp = '';
  app = APP_NONE;

  // state
  /** Payload packets looked at without recognising a protocol. */
  sniffed = 0;
  /** Payload bytes inspected per direction (the budget). */
  origBytes = 0;
  respBytes = 0;
  origState = DIR_OPEN;
  respState = DIR_OPEN;
  /** Carry buffers for TCP segments not yet parseable (allocated on first need, at most the budget). */
  origCarry: Buffer | null = null;
  origCarryLen = 0;
  respCarry: Buffer | null = null;
  respCarryLen = 0;
  /** Length and a cheap signature of each direction's last TCP segment, to skip retransmissions. */
  origLastLen = -1;
  origLastSig = 0;
  respLastLen = -1;
  respLastSig = 0;
  /** Messages parsed (DNS, STUN, NTP...) for per-flow caps. */
  messages = 0;
  /** Distinct STUN method-class pairs kept in `stun`. */
  stunPairs = 0;
  /** SSRC and sequence number of a first RTP candidate packet (-1: none yet). */
  rtpSsrc = -1;
  rtpSeq = -1;
  /** 1 after an HTTP CONNECT: the bytes after each side's head are TLS (a proxy tunnel). */
  tunnel = 0;
  /** QUIC CRYPTO-stream reassembly (client Initials), made on the first Initial. */
  quic: QuicCrypto | null = null;
}

/** Reassembly of the client's Initial CRYPTO stream (ClientHello), bounded by the budget. */
export interface QuicCrypto {
  /** Destination connection id of the first client Initial (keys derive from it). */
  dcid: Buffer;
  version: number;
  key: Buffer;
  iv: Buffer;
  hp: Buffer;
  data: Buffer;
  /** 1 where `data` holds a byte (CRYPTO frames may arrive out of order). */
  have: Uint8Array;
  /** Packets that failed to decrypt (retries, other keys). */
  failures: number;
}

export function createFlowMeta(): FlowMeta {
  return new FlowMeta();
}
