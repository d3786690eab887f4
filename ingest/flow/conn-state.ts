/**
 * TCP endpoint states as Zeek tracks them, and Zeek's conn_state derived from them
 * (zeek scripts/base/protocols/conn/main.zeek, `conn_state`).
 */
export const TcpState = {
  Inactive: 0,
  SynSent: 1,
  SynAckSent: 2,
  /** Sent data or ACKs without a handshake seen (the capture started mid-connection). */
  Partial: 3,
  Established: 4,
  Closed: 5,
  Reset: 6,
} as const;

const SYN = 0x02;
const RST = 0x04;
const FIN = 0x01;
const ACK = 0x10;

/** The sender's new state after a segment with `flags`; `other` is the receiver's state. */
export function nextSenderState(sender: number, flags: number): number {
  if (flags & RST) return TcpState.Reset;
  if (flags & SYN) {
    if (flags & ACK) {
      return sender === TcpState.Inactive || sender === TcpState.Partial ? TcpState.SynAckSent : sender;
    }
    return sender === TcpState.Inactive ? TcpState.SynSent : sender;
  }
  if (flags & FIN) return sender === TcpState.Reset ? sender : TcpState.Closed;
  if (sender === TcpState.Inactive) return TcpState.Partial;
  if (sender === TcpState.SynSent || sender === TcpState.SynAckSent) return TcpState.Established;
  return sender;
}

/** The receiver's new state: a handshake completes for both sides when the originator ACKs. */
export function nextReceiverState(receiver: number, flags: number): number {
  if (flags & (SYN | RST | FIN)) return receiver;
  return receiver === TcpState.SynAckSent ? TcpState.Established : receiver;
}

/** History bits kept per flow for the states that need more than the endpoint states. */
export const HIST_ORIG_SYN = 1;
export const HIST_RESP_SYNACK = 2;
export const HIST_ORIG_DATA = 4;
export const HIST_RESP_DATA = 8;

export function tcpConnState(os: number, rs: number, hist: number): string {
  const oInactive = os === TcpState.Inactive || os === TcpState.Partial;
  const rInactive = rs === TcpState.Inactive || rs === TcpState.Partial;
  if (rs === TcpState.Reset) {
    if (
      os === TcpState.SynSent ||
      os === TcpState.SynAckSent ||
      (os === TcpState.Reset && (hist & (HIST_ORIG_DATA | HIST_RESP_DATA)) === 0)
    ) {
      return 'REJ';
    }
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === TcpState.Reset) {
    if (rInactive) return hist & HIST_ORIG_SYN && !(hist & HIST_RESP_SYNACK) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === TcpState.Closed && os === TcpState.Closed) return 'SF';
  if (os === TcpState.Closed) return rInactive ? 'SH' : 'S2';
  if (rs === TcpState.Closed) return oInactive ? 'SHR' : 'S3';
  if (os === TcpState.SynSent && rs === TcpState.Inactive) return 'S0';
  if (os === TcpState.Established && rs === TcpState.Established) return 'S1';
  return 'OTH';
}

/** Zeek's UDP rule: SF both sides sent, S0 only the originator, SHR only the responder. */
export function udpConnState(origPackets: number, respPackets: number): string {
  if (origPackets > 0) return respPackets > 0 ? 'SF' : 'S0';
  return respPackets > 0 ? 'SHR' : 'OTH';
}
