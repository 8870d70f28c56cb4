// A loopback HTTP reverse proxy that gives every call the same fixed latency: each request is held
// for `latencyMs` from its arrival, then forwarded unchanged (method, path and query, every header,
// the body) to the target, and the answer is streamed back. Used by bench/scan-bench.ts to put the
// providers' loopback fakes (test/support/fake-*.ts) behind one fixed per-call latency without
// changing them.
//
// The Host header is forwarded as the client sent it (the proxy's own host:port), not rewritten to
// the target's: the Alibaba, Huawei and OTC fakes recompute the request signature from the headers
// they receive and require `host` to be signed (test/support/fake-alibaba.ts, fake-huawei.ts,
// fake-otc.ts), so a rewritten Host would fail their check. (The EC2 fake only checks that a SigV4
// Authorization header is there; SigV4 signs `host` too.)
//
// It counts what it forwards: requests, the most in flight at once, and per request the time from
// arrival to the answer sent (busy) and from forwarding to the upstream answer's last byte (the
// fake's own time), so a benchmark can tell latency, server time and client time apart.

import { Agent, createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface DelayProxyStats {
  /** Requests received (each is forwarded once). */
  requests: number;
  /** Requests answered 502 because the target could not be reached. */
  errors: number;
  /** The most requests held or forwarded at once. */
  maxInFlight: number;
  /** Σ over requests of arrival → answer fully sent, in ms. */
  busyMs: number;
  /** Σ over requests of forwarded → upstream answer fully received, in ms (the target's own time). */
  upstreamMs: number;
  /** The largest single upstream time, in ms. */
  maxUpstreamMs: number;
  /** Bytes of answer bodies streamed back. */
  responseBytes: number;
}

export interface DelayProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  latencyMs: number;
  readonly stats: DelayProxyStats;
  /** Zeroes the counters. */
  reset(): void;
  close(): Promise<void>;
}

export interface DelayProxyOptions {
  /** The upstream base URL (http://127.0.0.1:<port>); only its host and port are used. */
  target: string;
  /** Held per request before it is forwarded. */
  latencyMs: number;
}

/** Connection-level headers of the proxy↔target hop; the proxy's own server sets its own to the client. */
const HOP_BY_HOP_RESPONSE = new Set(['connection', 'keep-alive']);

const emptyStats = (): DelayProxyStats => ({
  requests: 0,
  errors: 0,
  maxInFlight: 0,
  busyMs: 0,
  upstreamMs: 0,
  maxUpstreamMs: 0,
  responseBytes: 0,
});

export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:')
    throw new Error(`delay proxy: the target must be an http:// URL (got ${options.target})`);
  const latencyMs = Math.max(0, options.latencyMs);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  let stats = emptyStats();
  let inFlight = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const sent = performance.now();
    const upstream = httpRequest({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      // Unchanged, Host included: the fakes verify signatures over the received headers.
      headers: req.headers,
      agent,
    });
    upstream.on('response', (answer) => {
      const headers = { ...answer.headers };
      for (const name of HOP_BY_HOP_RESPONSE) delete headers[name];
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
      answer.on('data', (chunk: Buffer) => (stats.responseBytes += chunk.length));
      answer.on('end', () => {
        const took = performance.now() - sent;
        stats.upstreamMs += took;
        stats.maxUpstreamMs = Math.max(stats.maxUpstreamMs, took);
      });
      answer.pipe(res);
    });
    upstream.on('error', (error: Error) => {
      stats.errors++;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`delay proxy: ${error.message}`);
    });
    res.on('close', () => {
      // The client gave up (a timeout of its own): stop the upstream exchange too.
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const arrived = performance.now();
    stats.requests++;
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    const counted = stats;
    res.on('close', () => {
      inFlight--;
      counted.busyMs += performance.now() - arrived;
    });
    // The body stays buffered in the paused request until it is piped on.
    const timer = setTimeout(() => {
      timers.delete(timer);
      forward(req, res);
    }, latencyMs);
    timers.add(timer);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    latencyMs,
    get stats() {
      return stats;
    },
    reset() {
      stats = emptyStats();
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
