import { type Flow, newFlow } from '../../model/index.js';
import { ipv4Text, ipv6Text, macText } from '../decode/address-text.js';
import { communityId } from './community-id.js';
import {
  HIST_ORIG_DATA,
  HIST_ORIG_SYN,
  HIST_RESP_DATA,
  HIST_RESP_SYNACK,
  nextReceiverState,
  nextSenderState,
  TcpState,
  tcpConnState,
  udpConnState,
} from './conn-state.js';
import { type GapSummary, PacketGaps } from './packet-gaps.js';
import { isServerPort } from './server-ports.js';

/** The decoded packet fields the table reads (PacketDecoder has them). */
export interface PacketFields {
  tsMs: number;
  vlan: number;
  macOff: number;
  ipVersion: number;
  src0: number;
  src1: number;
  src2: number;
  src3: number;
  dst0: number;
  dst1: number;
  dst2: number;
  dst3: number;
  proto: number;
  ipLen: number;
  hasPorts: boolean;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  icmpOneWay: boolean;
  payloadOff: number;
  payloadLen: number;
}

/**
 * Application metadata inspection plugged into the table (ingest/meta implements it as `MetaInspector`,
 * `PayloadInspector<FlowMeta>`).
 */
export interface PayloadInspector<M> {
  /** New per-flow state, for the first payload packet of a flow. */
  create(): M;
  /**
   * Looks at one packet's transport payload. Called for packets with payload until it returns false
   * ("done with this flow"). proto: 6 or 17; ports as on the packet; fromOrig: the packet is from the
   * flow's originator; buf[off, off+len): the payload, a view valid only during the call (what is kept
   * is copied); tsMs: packet time; getClientIp: lazy address of the flow's originator (called only when
   * a DNS answer is kept).
   */
  inspect(
    meta: M,
    proto: number,
    srcPort: number,
    dstPort: number,
    fromOrig: boolean,
    buf: Buffer,
    off: number,
    len: number,
    tsMs: number,
    getClientIp: () => string,
  ): boolean;
  /** Copies the found fields into the Flow record (absent stays absent). */
  finish(meta: M, flow: Flow): void;
}

export interface FlowTableOptions {
  tcpIdleMs: number;
  udpIdleMs: number;
  otherIdleMs: number;
  /** A flow alive longer than this is emitted and goes on as a new record (exporters' active timeout). */
  activeMs: number;
  /** A TCP flow closed by FIN from both sides or by RST is emitted after this much quiet. */
  closedLingerMs: number;
  /** The table never holds more flows than this; the least recently active is evicted first. */
  maxFlows: number;
}

/** Zeek's inactivity timeouts and the common exporters' 30-minute active timeout. */
export const DEFAULT_FLOW_TABLE_OPTIONS: FlowTableOptions = {
  tcpIdleMs: 300_000,
  udpIdleMs: 60_000,
  otherIdleMs: 60_000,
  activeMs: 1_800_000,
  closedLingerMs: 5_000,
  maxFlows: 500_000,
};

export interface FlowTableStats {
  flowsEmitted: number;
  /** Flows emitted early because the table was full. */
  evicted: number;
  /** Largest number of flows held at once. */
  peakFlows: number;
}

const KEY_WORDS = 10;
const NONE = -1;
// LRU lists, one per timeout class.
const L_TCP = 0;
const L_UDP = 1;
const L_OTHER = 2;
const L_CLOSING = 3;
const LISTS = 4;
const TCP = 6;
const UDP = 17;
const SYN = 0x02;
const ACK = 0x10;
const RST = 0x04;
const FIN = 0x01;
/** ICMP reply types whose sender is the responder when the request was not captured. */
const ICMP_REPLY = new Set([0, 14, 16, 18, 129]);
const END_REASON = ['idle', 'active', 'end', 'evicted', 'eof'] as const;
type EndReason = 0 | 1 | 2 | 3 | 4;
const R_IDLE: EndReason = 0;
const R_ACTIVE: EndReason = 1;
const R_END: EndReason = 2;
const R_EVICTED: EndReason = 3;
const R_EOF: EndReason = 4;

/**
 * Bidirectional flows keyed by (VLAN, protocol, the unordered pair of address:port). State is a
 * struct of arrays indexed by slot; the hash index is open addressing over slot numbers with
 * backward-shift deletion, so lookups allocate nothing. Timeouts run on capture time.
 *
 * Orientation: the originator is the SYN sender; otherwise the first packet's sender, flipped when
 * that packet is a SYN-ACK or an ICMP reply, or comes from a likely server port to a port that is not.
 */
export class FlowTable<M = unknown> {
  private cap = 0;
  private count = 0;
  private keys = new Uint32Array(0);
  private hashes = new Uint32Array(0);
  /** 1 when the originator is the packet source that created the key's first endpoint (endpoint A). */
  private origIsA = new Uint8Array(0);
  private startMs = new Float64Array(0);
  private endMs = new Float64Array(0);
  private origPackets = new Float64Array(0);
  private respPackets = new Float64Array(0);
  private origBytes = new Float64Array(0);
  private respBytes = new Float64Array(0);
  private firstRecord = new Float64Array(0);
  private flags = new Uint8Array(0);
  private origState = new Uint8Array(0);
  private respState = new Uint8Array(0);
  private hist = new Uint8Array(0);
  private list = new Uint8Array(0);
  private oneWay = new Uint8Array(0);
  private macs = new Uint8Array(0);
  private hasMac = new Uint8Array(0);
  private inspecting = new Uint8Array(0);
  private meta: (M | undefined)[] = [];
  private readonly gaps = new PacketGaps();
  private readonly gapSummary: GapSummary = { medianMs: 0, madMs: 0 };
  /** `endMs` when the slot was last appended to its LRU list (the lists are lazy, see `expire`). */
  private listedMs = new Float64Array(0);
  private lruPrev = new Int32Array(0);
  private lruNext = new Int32Array(0);
  private agePrev = new Int32Array(0);
  private ageNext = new Int32Array(0);
  private free = new Int32Array(0);
  private freeTop = 0;
  private index = new Int32Array(0);
  private mask = 0;
  private readonly lruHead = new Int32Array(LISTS).fill(NONE);
  private readonly lruTail = new Int32Array(LISTS).fill(NONE);
  private ageHead = NONE;
  private ageTail = NONE;
  private readonly idleMs: Float64Array;
  private nowMs = 0;
  private nextCheckMs = 0;
  private readonly k = new Uint32Array(KEY_WORDS);
  private current = NONE;
  /** The previous packet's flow (see `add`); NONE once that slot is freed. */
  private lastSlot = NONE;
  readonly stats: FlowTableStats = { flowsEmitted: 0, evicted: 0, peakFlows: 0 };

  constructor(
    private readonly opts: FlowTableOptions,
    private readonly emit: (flow: Flow) => void,
    private readonly flowTemplate: Pick<Flow, 'sourceFormat' | 'sourceFile'>,
    private readonly inspector?: PayloadInspector<M>,
  ) {
    this.idleMs = new Float64Array([opts.tcpIdleMs, opts.udpIdleMs, opts.otherIdleMs, opts.closedLingerMs]);
    this.grow(Math.min(1024, Math.max(16, opts.maxFlows)));
  }

  get size(): number {
    return this.count;
  }

  /** Accounts one decoded IP packet. `buf` is the packet the decoder read (for MACs and payload). */
  add(p: PacketFields, buf: Buffer, recordNo: number): void {
    const tsMs = p.tsMs;
    if (tsMs > this.nowMs) this.nowMs = tsMs;
    if (this.nowMs >= this.nextCheckMs) {
      this.expire(this.nowMs);
      this.nextCheckMs = this.nowMs + 1000;
    }
    const v6 = p.ipVersion === 6;
    const w0 = p.proto | (p.vlan << 8) | (v6 ? 0x1000000 : 0);
    let s = NONE;
    let srcIsA: boolean;
    let h = -1;
    // Most packets belong to the previous packet's flow (a video frame is a burst of packets, and
    // replies follow requests): check that before building and hashing the key.
    const ls = this.lastSlot;
    const lastSameKind = ls !== NONE && this.keys[ls * KEY_WORDS] === w0;
    if (lastSameKind && this.keyHolds(p, v6, ls, true)) {
      s = ls;
      srcIsA = true;
    } else if (lastSameKind && this.keyHolds(p, v6, ls, false)) {
      s = ls;
      srcIsA = false;
    } else {
      // Order the endpoints so that both directions give the same key: A is the lower (address,
      // port). Compared, not subtracted: the words are signed 32-bit and a difference can leave that range.
      let cmp = order(p.src0, p.dst0);
      if (cmp === 0 && v6) cmp = order(p.src1, p.dst1) || order(p.src2, p.dst2) || order(p.src3, p.dst3);
      srcIsA = !(cmp > 0 || (cmp === 0 && p.srcPort > p.dstPort));
      h = this.fillKey(p, srcIsA, w0, v6);
      s = this.find(h);
    }
    // Idle by the packet's own time: the lazy lists may not have expired the slot yet.
    if (s !== NONE && tsMs - this.endMs[s] >= this.idleMs[this.list[s]]) {
      this.finishSlot(s, this.list[s] === L_CLOSING ? R_END : R_IDLE);
      s = NONE;
    }
    const tcpFlags = p.proto === TCP ? p.tcpFlags : 0;
    // A new SYN on a closed connection's 5-tuple is a new connection (port reuse).
    if (s !== NONE && tcpFlags & SYN && !(tcpFlags & ACK) && this.list[s] === L_CLOSING) {
      this.finishSlot(s, R_END);
      s = NONE;
    }
    if (s === NONE) {
      if (h < 0) h = this.fillKey(p, srcIsA, w0, v6);
      s = this.insert(h, p, srcIsA, recordNo);
    } else if (Number.isNaN(this.startMs[s])) {
      // Restarted after an active timeout: the new record starts now.
      this.startMs[s] = tsMs;
      this.firstRecord[s] = recordNo;
      this.ageUnlink(s);
      this.ageAppend(s);
    }
    this.lastSlot = s;
    const fromOrig = (this.origIsA[s] === 1) === srcIsA;
    if (fromOrig) {
      this.gaps.note(s, 0, ++this.origPackets[s], tsMs);
      this.origBytes[s] += p.ipLen;
    } else {
      this.gaps.note(s, 1, ++this.respPackets[s], tsMs);
      this.respBytes[s] += p.ipLen;
    }
    if (tsMs > this.endMs[s]) this.endMs[s] = tsMs;
    if (tsMs < this.startMs[s]) this.startMs[s] = tsMs;
    if (p.macOff >= 0 && this.hasMac[s] === 0) this.keepMacs(s, buf, p.macOff, fromOrig);
    let listNow = this.list[s];
    if (p.proto === TCP) {
      this.flags[s] |= tcpFlags;
      if (fromOrig) {
        this.origState[s] = nextSenderState(this.origState[s], tcpFlags);
        this.respState[s] = nextReceiverState(this.respState[s], tcpFlags);
        if (tcpFlags & SYN && !(tcpFlags & ACK)) this.hist[s] |= HIST_ORIG_SYN;
        if (p.payloadLen > 0) this.hist[s] |= HIST_ORIG_DATA;
      } else {
        this.respState[s] = nextSenderState(this.respState[s], tcpFlags);
        this.origState[s] = nextReceiverState(this.origState[s], tcpFlags);
        if ((tcpFlags & (SYN | ACK)) === (SYN | ACK)) this.hist[s] |= HIST_RESP_SYNACK;
        if (p.payloadLen > 0) this.hist[s] |= HIST_RESP_DATA;
      }
      if (
        tcpFlags & RST ||
        (tcpFlags & FIN && this.origState[s] >= TcpState.Closed && this.respState[s] >= TcpState.Closed)
      ) {
        listNow = L_CLOSING;
      }
    }
    // The LRU lists are not reordered per packet: `expire` and `evictOldest` give a slot whose
    // endMs moved on since it was listed a second chance. Only a change of list moves it now.
    if (listNow !== this.list[s]) this.moveToList(s, listNow);
    if (this.inspector && p.payloadLen > 0 && this.inspecting[s] === 1) {
      let m = this.meta[s];
      if (m === undefined) {
        m = this.inspector.create();
        this.meta[s] = m;
      }
      this.current = s;
      if (
        !this.inspector.inspect(
          m,
          p.proto,
          p.srcPort,
          p.dstPort,
          fromOrig,
          buf,
          p.payloadOff,
          p.payloadLen,
          tsMs,
          this.origIpText,
        )
      ) {
        this.inspecting[s] = 0;
      }
    }
  }

  /** Fills `this.k` with the flow key (endpoint A first) and returns its hash. */
  private fillKey(p: PacketFields, srcIsA: boolean, w0: number, v6: boolean): number {
    const k = this.k;
    const src = srcIsA ? 1 : 5;
    const dst = srcIsA ? 5 : 1;
    k[0] = w0;
    k[src] = p.src0;
    k[src + 1] = p.src1;
    k[src + 2] = p.src2;
    k[src + 3] = p.src3;
    k[dst] = p.dst0;
    k[dst + 1] = p.dst1;
    k[dst + 2] = p.dst2;
    k[dst + 3] = p.dst3;
    k[9] = srcIsA ? (p.srcPort << 16) | p.dstPort : (p.dstPort << 16) | p.srcPort;
    if (!v6) k[2] = k[3] = k[4] = k[6] = k[7] = k[8] = 0;
    return hashKey(k);
  }

  /**
   * Is the packet one of slot `s`'s flow, with its source as the key's endpoint A (`srcIsA`) or B?
   * The key words are unsigned and the packet's signed (`| 0` brings them to one form).
   */
  private keyHolds(p: PacketFields, v6: boolean, s: number, srcIsA: boolean): boolean {
    const k = this.keys;
    const kb = s * KEY_WORDS;
    const src = kb + (srcIsA ? 1 : 5);
    const dst = kb + (srcIsA ? 5 : 1);
    const ports = srcIsA ? (p.srcPort << 16) | p.dstPort : (p.dstPort << 16) | p.srcPort;
    return (
      (k[kb + 9] | 0) === ports &&
      (k[src] | 0) === p.src0 &&
      (k[dst] | 0) === p.dst0 &&
      (!v6 ||
        ((k[src + 1] | 0) === p.src1 &&
          (k[src + 2] | 0) === p.src2 &&
          (k[src + 3] | 0) === p.src3 &&
          (k[dst + 1] | 0) === p.dst1 &&
          (k[dst + 2] | 0) === p.dst2 &&
          (k[dst + 3] | 0) === p.dst3))
    );
  }

  /**
   * Emits the flows still open (end of input), oldest first, at most `max` of them; true while
   * some remain. A reader ends them a batch at a time, so they never all live as objects at once.
   */
  flush(max = Number.POSITIVE_INFINITY): boolean {
    for (let n = 0; n < max && this.ageHead !== NONE; n++) this.finishSlot(this.ageHead, R_EOF);
    return this.ageHead !== NONE;
  }

  private readonly origIpText = (): string => this.endpointText(this.current, true);

  // ---- timeouts and eviction -------------------------------------------------------------------

  private expire(now: number): void {
    for (let l = 0; l < LISTS; l++) {
      const idle = this.idleMs[l];
      // A list is in listedMs order and endMs >= listedMs, so once the head was listed less than
      // `idle` ago nothing behind it can be idle. A head seen since it was listed goes to the tail:
      // each active flow moves about once per idle period instead of on every packet.
      for (let s = this.lruHead[l]; s !== NONE && this.listedMs[s] + idle <= now; s = this.lruHead[l]) {
        if (this.endMs[s] + idle <= now) this.finishSlot(s, l === L_CLOSING ? R_END : R_IDLE);
        else this.moveToList(s, l);
      }
    }
    const active = this.opts.activeMs;
    let s = this.ageHead;
    while (s !== NONE && this.startMs[s] + active <= now) {
      this.activeTimeout(s);
      s = this.ageHead;
    }
  }

  /** Emits the record so far; the flow stays in the table with zeroed counters and no start yet. */
  private activeTimeout(s: number): void {
    this.emitSlot(s, R_ACTIVE);
    this.origPackets[s] = this.respPackets[s] = this.origBytes[s] = this.respBytes[s] = 0;
    this.flags[s] = 0;
    this.startMs[s] = Number.NaN;
    // Out of the age list until its next packet; idle expiry still applies.
    this.ageUnlink(s);
  }

  private evictOldest(): void {
    let best = NONE;
    for (let l = 0; l < LISTS; l++) {
      // Heads seen since they were listed are not the least recent: requeue them first.
      let s = this.lruHead[l];
      while (s !== NONE && this.endMs[s] > this.listedMs[s]) {
        this.moveToList(s, l);
        s = this.lruHead[l];
      }
      if (s !== NONE && (best === NONE || this.endMs[s] < this.endMs[best])) best = s;
    }
    if (best === NONE) return;
    this.stats.evicted++;
    this.finishSlot(best, R_EVICTED);
  }

  private finishSlot(s: number, reason: EndReason): void {
    if (this.origPackets[s] + this.respPackets[s] > 0) this.emitSlot(s, reason);
    this.remove(s);
  }

  /**
   * Builds the record from `newFlow`, which has every field already (absent ones undefined), and
   * only assigns: every flow then has one hidden class, whatever mix of fields it has. Adding the
   * optional fields one by one gave each mix (VLAN or not, TCP or UDP, gaps or not) its own class;
   * V8 threw this function's optimized code away twice on the flows bench ("wrong map", "code
   * dependencies") and compiled it three times (70 ms of a one-core run).
   */
  private emitSlot(s: number, reason: EndReason): void {
    const kb = s * KEY_WORDS;
    const proto = this.keys[kb] & 0xff;
    const vlan = (this.keys[kb] >>> 8) & 0xfff;
    const v6 = (this.keys[kb] & 0x1000000) !== 0;
    const a = this.origIsA[s] === 1;
    const ports = this.keys[kb + 9];
    const portA = ports >>> 16;
    const portB = ports & 0xffff;
    const origPackets = this.origPackets[s];
    const respPackets = this.respPackets[s];
    const hasMac = this.hasMac[s] === 1;
    const hasPorts = proto === TCP || proto === UDP || proto === 132 || proto === 1 || proto === 58;
    const oneWay = this.oneWay[s] === 1;
    const flow = newFlow(this.flowTemplate.sourceFormat, this.flowTemplate.sourceFile, this.firstRecord[s]);
    flow.start = Number.isNaN(this.startMs[s]) ? this.endMs[s] : this.startMs[s];
    flow.end = this.endMs[s];
    flow.proto = proto;
    if (vlan !== 0) flow.vlan = vlan;
    flow.origIp = this.endpointText(s, true);
    flow.origPort = a ? portA : portB;
    flow.respIp = this.endpointText(s, false);
    flow.respPort = a ? portB : portA;
    if (hasMac) {
      flow.origMac = macText(this.macs, s * 12);
      flow.respMac = macText(this.macs, s * 12 + 6);
    }
    flow.origPackets = origPackets;
    flow.respPackets = respPackets;
    flow.origBytes = this.origBytes[s];
    flow.respBytes = this.respBytes[s];
    if (proto === TCP) flow.tcpFlags = this.flags[s];
    // One summary object for both sides: read each side's before the next summarise.
    const g = this.gapSummary;
    if (this.gaps.summarise(s, 0, origPackets, g)) {
      flow.origGapMedianMs = g.medianMs;
      flow.origGapMadMs = g.madMs;
    }
    if (this.gaps.summarise(s, 1, respPackets, g)) {
      flow.respGapMedianMs = g.medianMs;
      flow.respGapMadMs = g.madMs;
    }
    flow.state =
      proto === TCP
        ? tcpConnState(this.origState[s], this.respState[s], this.hist[s])
        : proto === UDP
          ? udpConnState(origPackets, respPackets)
          : 'OTH';
    flow.endReason = END_REASON[reason];
    flow.communityId = a
      ? communityId(v6, proto, this.keys, kb + 1, portA, this.keys, kb + 5, portB, hasPorts, oneWay)
      : communityId(v6, proto, this.keys, kb + 5, portB, this.keys, kb + 1, portA, hasPorts, oneWay);
    const m = this.meta[s];
    if (m !== undefined && this.inspector) this.inspector.finish(m, flow);
    this.stats.flowsEmitted++;
    this.emit(flow);
  }

  private endpointText(s: number, orig: boolean): string {
    const kb = s * KEY_WORDS;
    const useA = (this.origIsA[s] === 1) === orig;
    const o = kb + (useA ? 1 : 5);
    const k = this.keys;
    return k[kb] & 0x1000000 ? ipv6Text(k[o], k[o + 1], k[o + 2], k[o + 3]) : ipv4Text(k[o]);
  }

  private keepMacs(s: number, buf: Buffer, macOff: number, fromOrig: boolean): void {
    // Ethernet header: destination MAC first, then source.
    const o = s * 12;
    const origAt = fromOrig ? macOff + 6 : macOff;
    const respAt = fromOrig ? macOff : macOff + 6;
    for (let i = 0; i < 6; i++) {
      this.macs[o + i] = buf[origAt + i];
      this.macs[o + 6 + i] = buf[respAt + i];
    }
    this.hasMac[s] = 1;
  }

  // ---- slots, index and lists ------------------------------------------------------------------

  private insert(h: number, p: PacketFields, srcIsA: boolean, recordNo: number): number {
    const tsMs = p.tsMs;
    if (this.count >= this.opts.maxFlows) this.evictOldest();
    if (this.freeTop === 0) this.grow(Math.min(this.opts.maxFlows, this.cap * 2));
    const s = this.free[--this.freeTop];
    this.count++;
    if (this.count > this.stats.peakFlows) this.stats.peakFlows = this.count;
    this.keys.set(this.k, s * KEY_WORDS);
    this.hashes[s] = h;
    this.origIsA[s] = (senderIsOrig(p) ? srcIsA : !srcIsA) ? 1 : 0;
    this.startMs[s] = tsMs;
    this.endMs[s] = tsMs;
    this.origPackets[s] = this.respPackets[s] = this.origBytes[s] = this.respBytes[s] = 0;
    this.firstRecord[s] = recordNo;
    this.flags[s] = 0;
    this.origState[s] = this.respState[s] = TcpState.Inactive;
    this.hist[s] = 0;
    this.oneWay[s] = p.icmpOneWay ? 1 : 0;
    this.hasMac[s] = 0;
    this.inspecting[s] = 1;
    this.meta[s] = undefined;
    this.list[s] = p.proto === TCP ? L_TCP : p.proto === UDP ? L_UDP : L_OTHER;
    this.lruPrev[s] = this.lruNext[s] = NONE;
    this.lruAppend(s, this.list[s]);
    this.ageAppend(s);
    let i = h & this.mask;
    while (this.index[i] !== 0) i = (i + 1) & this.mask;
    this.index[i] = s + 1;
    return s;
  }

  private find(h: number): number {
    const k = this.k;
    const keys = this.keys;
    let i = h & this.mask;
    for (;;) {
      const e = this.index[i];
      if (e === 0) return NONE;
      const s = e - 1;
      if (this.hashes[s] === h) {
        const b = s * KEY_WORDS;
        if (
          keys[b] === k[0] &&
          keys[b + 9] === k[9] &&
          keys[b + 1] === k[1] &&
          keys[b + 5] === k[5] &&
          keys[b + 2] === k[2] &&
          keys[b + 3] === k[3] &&
          keys[b + 4] === k[4] &&
          keys[b + 6] === k[6] &&
          keys[b + 7] === k[7] &&
          keys[b + 8] === k[8]
        ) {
          return s;
        }
      }
      i = (i + 1) & this.mask;
    }
  }

  private remove(s: number): void {
    // Find the slot's index position, then backward-shift the cluster behind it.
    let i = this.hashes[s] & this.mask;
    while (this.index[i] !== s + 1) i = (i + 1) & this.mask;
    this.index[i] = 0;
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      const e = this.index[j];
      if (e === 0) break;
      const ideal = this.hashes[e - 1] & this.mask;
      const between = i <= j ? i < ideal && ideal <= j : i < ideal || ideal <= j;
      if (!between) {
        this.index[i] = e;
        this.index[j] = 0;
        i = j;
      }
    }
    this.lruUnlink(s, this.list[s]);
    this.ageUnlink(s);
    this.meta[s] = undefined;
    if (s === this.lastSlot) this.lastSlot = NONE;
    this.free[this.freeTop++] = s;
    this.count--;
  }

  private moveToList(s: number, l: number): void {
    this.lruUnlink(s, this.list[s]);
    this.list[s] = l;
    this.lruAppend(s, l);
  }

  private lruAppend(s: number, l: number): void {
    this.listedMs[s] = this.endMs[s];
    const t = this.lruTail[l];
    this.lruPrev[s] = t;
    this.lruNext[s] = NONE;
    if (t === NONE) this.lruHead[l] = s;
    else this.lruNext[t] = s;
    this.lruTail[l] = s;
  }

  private lruUnlink(s: number, l: number): void {
    const p = this.lruPrev[s];
    const n = this.lruNext[s];
    if (p === NONE) this.lruHead[l] = n;
    else this.lruNext[p] = n;
    if (n === NONE) this.lruTail[l] = p;
    else this.lruPrev[n] = p;
    this.lruPrev[s] = this.lruNext[s] = NONE;
  }

  private ageAppend(s: number): void {
    const t = this.ageTail;
    this.agePrev[s] = t;
    this.ageNext[s] = NONE;
    if (t === NONE) this.ageHead = s;
    else this.ageNext[t] = s;
    this.ageTail = s;
  }

  /** Safe on a slot that is not in the age list (after an active timeout). */
  private ageUnlink(s: number): void {
    const p = this.agePrev[s];
    const n = this.ageNext[s];
    if (p === NONE && this.ageHead !== s) return;
    if (p === NONE) this.ageHead = n;
    else this.ageNext[p] = n;
    if (n === NONE) this.ageTail = p;
    else this.agePrev[n] = p;
    this.agePrev[s] = this.ageNext[s] = NONE;
  }

  /** Grows every per-slot array to `cap` slots and rebuilds the index (load factor ≤ 1/2). */
  private grow(cap: number): void {
    const old = this.cap;
    if (cap <= old) return;
    const g8 = (a: Uint8Array, n = 1) => {
      const b = new Uint8Array(cap * n);
      b.set(a);
      return b;
    };
    const g32 = (a: Uint32Array, n = 1) => {
      const b = new Uint32Array(cap * n);
      b.set(a);
      return b;
    };
    const gi = (a: Int32Array) => {
      const b = new Int32Array(cap).fill(NONE);
      b.set(a);
      return b;
    };
    const gf = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.keys = g32(this.keys, KEY_WORDS);
    this.hashes = g32(this.hashes);
    this.origIsA = g8(this.origIsA);
    this.startMs = gf(this.startMs);
    this.endMs = gf(this.endMs);
    this.origPackets = gf(this.origPackets);
    this.respPackets = gf(this.respPackets);
    this.origBytes = gf(this.origBytes);
    this.respBytes = gf(this.respBytes);
    this.firstRecord = gf(this.firstRecord);
    this.flags = g8(this.flags);
    this.origState = g8(this.origState);
    this.respState = g8(this.respState);
    this.hist = g8(this.hist);
    this.list = g8(this.list);
    this.oneWay = g8(this.oneWay);
    this.macs = g8(this.macs, 12);
    this.hasMac = g8(this.hasMac);
    this.inspecting = g8(this.inspecting);
    this.listedMs = gf(this.listedMs);
    this.lruPrev = gi(this.lruPrev);
    this.lruNext = gi(this.lruNext);
    this.agePrev = gi(this.agePrev);
    this.ageNext = gi(this.ageNext);
    this.meta.length = cap;
    this.gaps.grow(cap);
    // Free slots are handed out lowest first.
    const free = new Int32Array(cap);
    let top = 0;
    for (let s = cap - 1; s >= old; s--) free[top++] = s;
    for (let i = this.freeTop - 1; i >= 0; i--) free[top++] = this.free[i];
    this.free = free;
    this.freeTop = top;
    this.cap = cap;
    let icap = 1;
    while (icap < cap * 2) icap <<= 1;
    this.index = new Int32Array(icap);
    this.mask = icap - 1;
    for (let l = 0; l < LISTS; l++) {
      for (let s = this.lruHead[l]; s !== NONE; s = this.lruNext[s]) {
        let i = this.hashes[s] & this.mask;
        while (this.index[i] !== 0) i = (i + 1) & this.mask;
        this.index[i] = s + 1;
      }
    }
  }
}

const order = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

/** Is the sender of a flow's first packet its originator? */
function senderIsOrig(p: PacketFields): boolean {
  if (p.proto === TCP) {
    const f = p.tcpFlags;
    if (f & SYN) return !(f & ACK);
  } else if (p.proto === 1 || p.proto === 58) {
    return !ICMP_REPLY.has(p.srcPort);
  }
  if (!p.hasPorts || (p.proto !== TCP && p.proto !== UDP && p.proto !== 132)) return true;
  const srcServer = isServerPort(p.srcPort);
  const dstServer = isServerPort(p.dstPort);
  if (srcServer !== dstServer) return !srcServer;
  // Neither or both listed: the lower port is the service when one side is ephemeral.
  if (p.srcPort < 1024 && p.dstPort >= 1024) return false;
  return true;
}

const HASH_WORDS_V4 = new Uint8Array([0, 1, 5, 9]);
const HASH_WORDS_V6 = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

/**
 * Murmur3-style mix of the key words, cut to 30 bits: a V8 small integer, so passing it around never
 * allocates a HeapNumber.
 */
function hashKey(k: Uint32Array): number {
  let h = 0x9747b28c;
  // IPv4 keys have zeros in the upper address words: hash only the four words that vary.
  const words = k[0] & 0x1000000 ? HASH_WORDS_V6 : HASH_WORDS_V4;
  for (let j = 0; j < words.length; j++) {
    let x = Math.imul(k[words[j]], 0xcc9e2d51);
    x = (x << 15) | (x >>> 17);
    h ^= Math.imul(x, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x3fffffff;
}
