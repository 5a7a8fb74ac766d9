/**
 * The sandbox DNS server: UDP and TCP on one local port (`DNS_SERVERS=127.0.0.1:<port>`), packets
 * encoded and decoded by `dns-packet` (no hand-written wire format). It answers like an
 * authoritative server for the zones of dns-zones.ts: records with the AA flag, CNAMEs chased within
 * the data, NXDOMAIN for unknown names, and for the silent and SERVFAIL test zones, no answer at all
 * or SERVFAIL. TCP uses the RFC 1035 section 4.2.2 two-byte length prefix (dns-packet's stream
 * encoding), which resolvers fall back to when a UDP answer is truncated.
 */
import { createSocket, Socket as UdpSocket } from 'node:dgram';
import { createServer, Server, Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { DNS_RECORDS, SERVED_ZONES, SERVFAIL_ZONES, SILENT_ZONES, within } from './dns-zones';

const TTL = 300;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

export interface SandboxDns {
  /** `127.0.0.1:<port>`, the DNS_SERVERS value. */
  address: string;
  port: number;
  /** Queries seen (name and type), newest last; cleared by the sandbox reset. */
  queries: Array<{ name: string; type: string; transport: 'udp' | 'tcp' }>;
  close(): Promise<void>;
}

type Answer = dnsPacket.Answer;

/** The answer to one question, or undefined to stay silent. */
function answer(query: dnsPacket.Packet): Buffer | undefined {
  const question = query.questions?.[0];
  if (!question) return undefined;
  const name = question.name.toLowerCase().replace(/\.$/, '');
  if (within(name, SILENT_ZONES)) return undefined;
  const answers: Answer[] = [];
  let rcode: number = RCODE.NOERROR;
  if (within(name, SERVFAIL_ZONES)) rcode = RCODE.SERVFAIL;
  else if (!DNS_RECORDS[name]) rcode = within(name, SERVED_ZONES) ? RCODE.NXDOMAIN : RCODE.REFUSED;
  else {
    // Chase CNAMEs (at most a few steps) as a recursive resolver would, unless the CNAME itself is asked.
    let current = name;
    for (let step = 0; step < 8; step++) {
      const records = DNS_RECORDS[current];
      if (!records) break;
      if (records.CNAME && question.type !== 'CNAME') {
        answers.push({ type: 'CNAME', name: current, ttl: TTL, data: records.CNAME });
        current = records.CNAME.toLowerCase();
        continue;
      }
      if (question.type === 'CNAME' && records.CNAME) answers.push({ type: 'CNAME', name: current, ttl: TTL, data: records.CNAME });
      if (question.type === 'TXT') for (const txt of records.TXT ?? []) answers.push({ type: 'TXT', name: current, ttl: TTL, data: txt });
      break;
    }
  }
  return dnsPacket.encode({
    type: 'response',
    id: query.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcode,
    questions: [question],
    answers,
  });
}

function respondUdp(socket: UdpSocket, message: Buffer, peer: { address: string; port: number }, queries: SandboxDns['queries']): void {
  let query: dnsPacket.Packet;
  try {
    query = dnsPacket.decode(message);
  } catch {
    return; // not DNS: ignore, as a server would
  }
  const q = query.questions?.[0];
  if (q) queries.push({ name: q.name, type: q.type, transport: 'udp' });
  const reply = answer(query);
  if (reply) socket.send(reply, peer.port, peer.address);
}

function serveTcp(socket: Socket, queries: SandboxDns['queries']): void {
  let buffered = Buffer.alloc(0);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const length = buffered.readUInt16BE(0);
      let query: dnsPacket.Packet;
      try {
        query = dnsPacket.streamDecode(buffered.subarray(0, 2 + length));
      } catch {
        socket.destroy();
        return;
      }
      buffered = buffered.subarray(2 + length);
      const q = query.questions?.[0];
      if (q) queries.push({ name: q.name, type: q.type, transport: 'tcp' });
      const reply = answer(query);
      if (reply) {
        const framed = Buffer.alloc(2 + reply.length);
        framed.writeUInt16BE(reply.length, 0);
        reply.copy(framed, 2);
        socket.write(framed);
      }
    }
  });
}

/** Listens on UDP and TCP on the same port (0: the OS picks one free for both). */
export async function startSandboxDns(host = '127.0.0.1', port = 0): Promise<SandboxDns> {
  const queries: SandboxDns['queries'] = [];
  const sockets = new Set<Socket>();
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => resolve());
    });
    const bound = udp.address().port;
    const tcp: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      serveTcp(socket, queries);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(bound, host, () => resolve());
      });
    } catch (error) {
      udp.close();
      // The OS gave a UDP port whose TCP twin is taken: pick another (only when any port would do).
      if (port === 0 && attempt < 5) continue;
      throw error;
    }
    udp.on('message', (message, peer) => respondUdp(udp, message, peer, queries));
    return {
      address: `${host}:${bound}`,
      port: bound,
      queries,
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await Promise.all([new Promise((r) => udp.close(() => r(undefined))), new Promise((r) => tcp.close(() => r(undefined)))]);
      },
    };
  }
}
