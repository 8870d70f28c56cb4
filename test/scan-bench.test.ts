import { describe, expect, it } from 'vitest';
import { runWarden } from './support/cli.ts';

// `npm run bench:scan` against the loopback fakes (no added latency, a small estate): every
// provider's read completes, and a read that lists each thing once, at each API's page maximum,
// makes exactly the minimum the bench prints, which counts every listing the read must make.

interface Result {
  provider: string;
  error?: string;
  skipped?: string;
  calls?: number;
  proxyRequests?: number;
  minimumCalls?: number;
  minimumFormula?: string;
  callsRatio?: number;
}

const ARGS = ['--groups', '120', '--rules-per-group', '3', '--interfaces', '60', '--latency', '0'];

describe('scan bench', () => {
  it('reads every provider in full, and each read makes exactly the minimum it prints', async () => {
    const run = await runWarden([...ARGS, '--concurrency', '4', '--format', 'json'], {
      script: 'bench/scan-bench.ts',
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const { results } = JSON.parse(run.stdout) as { results: Result[] };
    const shown = results.map((r) => ({
      provider: r.provider,
      problem: r.error ?? r.skipped,
      calls: r.calls,
      proxyRequests: r.proxyRequests,
      minimumCalls: r.minimumCalls,
      callsRatio: r.callsRatio,
    }));
    const minimum = (provider: string, calls: number) => ({
      provider,
      problem: undefined,
      calls,
      proxyRequests: calls,
      minimumCalls: calls,
      callsRatio: 1,
    });
    expect(shown).toEqual([
      // STS + groups + rules (2 a group) + interfaces + launch templates + launch configurations.
      minimum('aws', 1 + 1 + 1 + 1 + 1 + 1),
      // Group pages (100 a page) + an attribute call a group + interfaces + instances (one an
      // interface, 100 a page) + launch templates + scaling configurations + ECI scaling configurations.
      minimum('alibaba', 2 + 120 + 1 + 1 + 1 + 1 + 1),
      // Groups + rules + ports + EIPs (floating IPs on OTC).
      minimum('huawei', 4),
      minimum('otc', 4),
    ]);
    const formulas = Object.fromEntries(results.map((r) => [r.provider, r.minimumFormula ?? '']));
    expect(formulas.aws).toContain('⌈launch configurations/100⌉ Auto Scaling DescribeLaunchConfigurations');
    expect(formulas.alibaba).toContain('⌈ECI scaling configurations/50⌉ ESS DescribeEciScalingConfigurations');
    expect(formulas.huawei).toContain('⌈EIPs/2000⌉ ListPublicips (EIP v1)');
  }, 120_000);
});
