import { describe, expect, it } from 'vitest';
import { isRetryableAlibabaError } from '../adapters/alibaba/client.ts';
import { isRetryableAwsError } from '../adapters/aws/client.ts';
import { isNetworkCode, isNotSentCode, mentionsNotSentCode } from '../src/lib/network.ts';
import { createLimiter, mapLimit } from '../src/lib/pool.ts';

const NOT_SENT = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];
const MAYBE_SENT = ['ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE'];
const networkError = (code: string) => Object.assign(new Error(`connect ${code} example.invalid`), { code });

describe('one set of retryable network errors for every adapter', () => {
  it('AWS and Alibaba retry the same network codes, ENOTFOUND and EAI_AGAIN included', () => {
    for (const code of [...NOT_SENT, ...MAYBE_SENT]) {
      expect({ code, aws: isRetryableAwsError(networkError(code)) }).toEqual({ code, aws: true });
      expect({ code, alibaba: isRetryableAlibabaError(networkError(code)) }).toEqual({ code, alibaba: true });
    }
    expect(isRetryableAlibabaError(networkError('EACCES'))).toBe(false);
    expect(isRetryableAwsError(networkError('EACCES'))).toBe(false);
  });

  it('only a request that was never sent counts as not sent (safe to repeat for a write)', () => {
    for (const code of NOT_SENT) expect(isNotSentCode(code)).toBe(true);
    for (const code of MAYBE_SENT) {
      expect(isNotSentCode(code)).toBe(false);
      expect(isNetworkCode(code)).toBe(true);
    }
    expect(mentionsNotSentCode('getaddrinfo ENOTFOUND vpc.example.invalid')).toBe(true);
    expect(mentionsNotSentCode('read ECONNRESET')).toBe(false);
  });
});

describe('one concurrency limiter', () => {
  it('never runs more than its limit at once and serves waiters first come first served', async () => {
    const run = createLimiter(2);
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    const gates = Array.from({ length: 5 }, () => Promise.withResolvers<void>());
    const all = gates.map((gate, i) =>
      run(async () => {
        started.push(i);
        active++;
        peak = Math.max(peak, active);
        await gate.promise;
        active--;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    for (const gate of gates) gate.resolve();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('mapLimit keeps input order through the same limiter', async () => {
    expect(await mapLimit([3, 1, 2], 2, async (n) => n * 10)).toEqual([30, 10, 20]);
  });
});
