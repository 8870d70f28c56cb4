// Scan benchmark: `npm run bench:scan` (or `node bench/scan-bench.ts [--groups 1000]
// [--rules-per-group 10] [--latency 20] [--concurrency 8] [--interfaces N] [--providers aws,otc]
// [--runs K] [--baseline] [--warmup] [--in-process] [--format table|json]`).
//
// For each provider: seeds its loopback fake (test/support/fake-*.ts) with an estate of N groups ×
// R rules (plus network interfaces for AWS and Alibaba, and Alibaba's instances of them; no launch
// template, launch or scaling configuration, port or EIP), puts bench/delay-proxy.ts in front of it
// (every call held L ms, then forwarded unchanged), and runs the real adapter's scopes() + read()
// against the proxy, with providers.<p>.concurrency = C. It reports:
//
// - calls made (the adapter's stats.calls, cross-checked against the proxy's request count) versus
//   the minimum the APIs allow for that estate, from each API's documented page maximum, over every
//   listing the read must make (an empty listing is one call);
// - wall time (scopes() start to read() end) versus the latency-bound ideal at concurrency C: the
//   critical path of calls that must be sequential (a pagination chain is; independent listings are
//   not; per-group calls can run C at a time), times L.
//
// The fake and the proxy run in a child process (this file with --serve), so the adapter's event
// loop carries only the client's own work, as against a real endpoint; --in-process runs them in
// this process instead (their CPU time then adds to the client's). `--baseline` reads each estate
// once more through a proxy with no latency (L = 0): what the clients and fakes cost by themselves;
// `--warmup` reads each estate once, unmeasured, before the measured read (JIT and SDK set-up warm;
// without it the figures are those of a cold CLI run). `--runs K` reads each estate K times, each
// with a new adapter, and reports the run of median wall time.
//
// Both ratios are printed with their formulas. It is a measurement, not a gate: exit 0 whatever the
// ratios; 1 only when a read fails or misses part of the estate (the numbers would mean nothing);
// 2 on bad usage.
//
// Estate shapes are the fakes' own: the AWS fake (test/support/fake-ec2.ts) always serves 2 rules
// per group (one ingress, one egress), whatever R is; the others are seeded with R rules per group.

import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createAlibabaAdapter } from '../adapters/alibaba/live.ts';
import { createAwsAdapter } from '../adapters/aws/live.ts';
import { createHuaweiAdapter } from '../adapters/huawei/live.ts';
import type { LiveAdapter, RawPage, Scope } from '../src/ports/live.ts';
import { configSchema } from '../src/config/schema.ts';
import type { Provider } from '../src/model/types.ts';
import { FakeAlibabaEcs } from '../test/support/fake-alibaba.ts';
import { startFakeEc2 } from '../test/support/fake-ec2.ts';
import { startFakeHuawei } from '../test/support/fake-huawei.ts';
import { setProcessEnv } from '../test/support/moto.ts';
import { integer, oneOf, runBench, UsageError } from './cli.ts';
import type { BenchArgs } from './cli.ts';
import { startDelayProxy } from './delay-proxy.ts';
import type { DelayProxy, DelayProxyStats } from './delay-proxy.ts';

/** The documented page maximums (the APIs' own limits, not what an adapter happens to ask for). */
const PAGE_MAX = {
  /** EC2 DescribeSecurityGroups / DescribeSecurityGroupRules / DescribeNetworkInterfaces MaxResults 5..1000. */
  aws: 1000,
  /** EC2 DescribeLaunchTemplates / DescribeLaunchTemplateVersions MaxResults 1..200. */
  awsLaunchTemplates: 200,
  /** Auto Scaling DescribeLaunchConfigurations MaxRecords ≤ 100 (default 50). */
  awsLaunchConfigurations: 100,
  /** ECS DescribeSecurityGroups MaxResults ≤ 100. */
  alibabaGroups: 100,
  /** ECS DescribeSecurityGroupAttribute MaxResults 10..1000 (rules of one group per call). */
  alibabaAttribute: 1000,
  /** ECS DescribeNetworkInterfaces MaxResults 10..500. */
  alibabaInterfaces: 500,
  /** ECS DescribeInstances MaxResults ≤ 100. */
  alibabaInstances: 100,
  /**
   * Page-numbered: ECS DescribeLaunchTemplates / DescribeLaunchTemplateVersions and ESS
   * DescribeScalingConfigurations / DescribeEciScalingConfigurations PageSize ≤ 50.
   */
  alibabaPageNumbered: 50,
  /** VPC v3 ListSecurityGroups / ListSecurityGroupRules limit 0..2000 (Huawei and OTC). */
  vpcV3: 2000,
  /**
   * Huawei VPC v1 ListPorts and EIP v1 ListPublicips limit (default 2000, the most one query returns);
   * OTC Neutron v2.0 ports and floatingips (at most 2000 a query).
   */
  ports: 2000,
} as const;

const ALL: readonly Provider[] = ['aws', 'alibaba', 'huawei', 'otc'];
const REGION = { aws: 'eu-west-1', alibaba: 'cn-hangzhou', huawei: 'ap-southeast-1', otc: 'eu-de' } as const;
const SCAN = { timeoutMs: 60_000, retries: 5 } as const;

/** Fake credentials and ids, the same on the fake's side and the adapter's. */
const FAKE = {
  aws: { keyId: 'AKIAFAKEWARDENBENCH0', secret: 'fake/secret/for/the/loopback/bench/only' },
  alibaba: {
    accessKeyId: 'LTAI5tWardenBenchKey01',
    accessKeySecret: 'wArDeN-bEnCh-sEcReT-0123456789',
    account: '1234567890123456',
  },
  huawei: {
    ak: 'HWAKWARDENBENCH0000001',
    sk: 'hwSkWardenBenchSecretKey00000000000000001',
    project: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  },
  otc: { project: '5dd3c0b24cdc4d31952c49589182a89d' },
} as const;

interface Options {
  groups: number;
  rulesPerGroup: number;
  latencyMs: number;
  concurrency: number;
  interfaces: number;
  providers: Provider[];
  baseline: boolean;
  warmup: boolean;
  runs: number;
  inProcess: boolean;
  format: 'table' | 'json';
}

/** What the fake serves. */
interface EstateSize {
  groups: number;
  rules: number;
  /** Rules of each group (for the per-group calls of Alibaba). */
  rulesPerGroup: number;
  interfaces: number;
  /** Instances DescribeInstances lists (Alibaba: one per primary interface); 0 elsewhere. */
  instances: number;
}

/** What the read returned, counted from the pages. */
interface ReadCounts {
  pages: number;
  groups: number;
  rules: number;
  interfaces: number;
}

interface Run {
  wallMs: number;
  scopesMs: number;
  calls: number;
  retries: number;
  throttles: number;
  proxy: DelayProxyStats;
  read: ReadCounts;
}

interface Model {
  minimumCalls: number;
  minimumFormula: string;
  /** Calls on the critical path at concurrency C. */
  pathCalls: number;
  /** The critical path, with `L` for the latency. */
  pathFormula: string;
}

/** The fake's side: a seeded fake listening on loopback. */
interface Fake {
  estate: EstateSize;
  target: string;
  stop(): Promise<void>;
}

/** The adapter's side. */
interface Client {
  /** Builds the adapter for an endpoint (the proxy's URL) and runs `work` with it. */
  withAdapter<T>(endpoint: string, work: (adapter: LiveAdapter) => Promise<T>): Promise<T>;
  count(pages: RawPage[]): ReadCounts;
}

/** A fake with delay proxies in front of it, here or in the child process. */
interface Served {
  estate: EstateSize;
  /** The proxies' URLs: [latency L] or [latency L, latency 0] with --baseline. */
  urls: string[];
  reset(index: number): Promise<void>;
  stats(index: number): Promise<DelayProxyStats>;
  stop(): Promise<void>;
}

interface ProviderResult {
  provider: Provider;
  skipped?: string;
  error?: string;
  estate?: EstateSize;
  read?: ReadCounts;
  calls?: number;
  proxyRequests?: number;
  retries?: number;
  throttles?: number;
  minimumCalls?: number;
  minimumFormula?: string;
  callsRatio?: number;
  /** The median run's (--runs). */
  wallMs?: number;
  /** Every run's wall time, in order, with --runs > 1. */
  wallMsRuns?: number[];
  scopesMs?: number;
  idealMs?: number;
  criticalPathCalls?: number;
  idealFormula?: string;
  wallRatio?: number;
  maxInFlight?: number;
  /** Σ request time at the proxy / wall: how many calls were in flight on average. */
  meanInFlight?: number;
  /** The fake's own time per call (proxy forward → answer received), mean and max. */
  fakeMsPerCall?: number;
  fakeMsMax?: number;
  responseBytes?: number;
  /** The ideal with the fake's own mean time per call counted as latency too: path × (L + fake ms/call). */
  idealWithFakeMs?: number;
  wallRatioWithFake?: number;
  /** Wall time of the same read through a proxy with no added latency (--baseline). */
  baselineWallMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Calls to list `items` at `max` per page: an empty listing still takes one call. */
const pagesFor = (items: number, max: number): number => Math.max(1, Math.ceil(items / max));
const round1 = (value: number): number => Math.round(value * 10) / 10;
const round2 = (value: number): number => Math.round(value * 100) / 100;
const ipv4 = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

function listAt(body: unknown, path: readonly string[]): unknown[] {
  let node: unknown = body;
  for (const key of path)
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  return Array.isArray(node) ? node : [];
}

type Listing = [kind: string, path: string[]];

function countPages(pages: RawPage[], kinds: { groups: Listing; rules: Listing; interfaces?: Listing }): ReadCounts {
  const total = (spec: Listing | undefined): number =>
    spec ? pages.filter((p) => p.kind === spec[0]).reduce((sum, p) => sum + listAt(p.body, spec[1]).length, 0) : 0;
  return {
    pages: pages.length,
    groups: total(kinds.groups),
    rules: total(kinds.rules),
    interfaces: total(kinds.interfaces),
  };
}

/** OTC's adapter and fake are loaded on demand: when they cannot be, OTC is reported as skipped. */
const loadOtc = () => Promise.all([import('../adapters/otc/live.ts'), import('../test/support/fake-otc.ts')]);

// ---------------------------------------------------------------------------------------------
// The fakes, seeded

const FAKES: Record<Provider, (options: Options) => Promise<Fake>> = {
  async aws(options) {
    const fake = await startFakeEc2({ groups: options.groups, interfaces: options.interfaces });
    return {
      estate: {
        groups: fake.groupIds.length,
        rules: fake.ruleIds.length,
        rulesPerGroup: fake.ruleIds.length / Math.max(1, fake.groupIds.length),
        interfaces: fake.interfaceIds.length,
        instances: 0,
      },
      target: fake.endpoint,
      stop: () => fake.stop(),
    };
  },

  async alibaba(options) {
    const fake = new FakeAlibabaEcs({
      accessKeyId: FAKE.alibaba.accessKeyId,
      accessKeySecret: FAKE.alibaba.accessKeySecret,
    });
    const target = await fake.start();
    const groupIds: string[] = [];
    for (let g = 0; g < options.groups; g++) {
      const id = fake.addGroup(REGION.alibaba, { SecurityGroupName: `bench-${g}` });
      groupIds.push(id);
      for (let r = 0; r < options.rulesPerGroup; r++) {
        const port = String(1024 + ((g * options.rulesPerGroup + r) % 60000));
        const ingress = r % 2 === 0;
        fake.addPermission(id, {
          Direction: ingress ? 'ingress' : 'egress',
          IpProtocol: 'TCP',
          PortRange: `${port}/${port}`,
          Priority: String(1 + (r % 100)),
          ...(ingress ? { SourceCidrIp: `${ipv4(g)}/32` } : { DestCidrIp: `${ipv4(g)}/32` }),
        });
      }
    }
    for (let i = 0; i < options.interfaces; i++)
      fake.addInterface(REGION.alibaba, [groupIds[i % groupIds.length] as string]);
    return {
      estate: {
        groups: options.groups,
        rules: options.groups * options.rulesPerGroup,
        rulesPerGroup: options.rulesPerGroup,
        interfaces: options.interfaces,
        // The fake gives each interface it is handed an instance of its own, as its primary interface.
        instances: options.interfaces,
      },
      target,
      stop: () => fake.close(),
    };
  },

  async huawei(options) {
    const fake = await startFakeHuawei({ ak: FAKE.huawei.ak, sk: FAKE.huawei.sk });
    for (let g = 0; g < options.groups; g++) {
      const group = fake.addGroup(FAKE.huawei.project, { name: `bench-${g}` });
      for (let r = 0; r < options.rulesPerGroup; r++) {
        fake.addRule(FAKE.huawei.project, {
          security_group_id: group.id as string,
          direction: r % 2 === 0 ? 'ingress' : 'egress',
          multiport: String(1024 + ((g * options.rulesPerGroup + r) % 60000)),
          priority: 1 + (r % 100),
          remote_ip_prefix: `${ipv4(g)}/32`,
        });
      }
    }
    return {
      estate: {
        groups: options.groups,
        rules: options.groups * options.rulesPerGroup,
        rulesPerGroup: options.rulesPerGroup,
        interfaces: 0,
        instances: 0,
      },
      target: fake.url,
      stop: () => fake.close(),
    };
  },

  async otc(options) {
    const [, { FakeOtc }] = await loadOtc();
    const fake = await FakeOtc.start({ pageSize: PAGE_MAX.vpcV3 });
    for (let g = 0; g < options.groups; g++) {
      const group = fake.addGroup(FAKE.otc.project, `bench-${g}`);
      for (let r = 0; r < options.rulesPerGroup; r++) {
        fake.addRule(group, {
          direction: r % 2 === 0 ? 'ingress' : 'egress',
          multiport: String(1024 + ((g * options.rulesPerGroup + r) % 60000)),
          priority: 1 + (r % 100),
          remote_ip_prefix: `${ipv4(g)}/32`,
        });
      }
    }
    return {
      estate: {
        groups: options.groups,
        rules: options.groups * options.rulesPerGroup,
        rulesPerGroup: options.rulesPerGroup,
        interfaces: 0,
        instances: 0,
      },
      target: fake.vpcUrl,
      stop: () => fake.close(),
    };
  },
};

// ---------------------------------------------------------------------------------------------
// The adapters

const vpcV3Kinds = {
  groups: ['vpc-v3:ListSecurityGroups', ['security_groups']],
  rules: ['vpc-v3:ListSecurityGroupRules', ['security_group_rules']],
} satisfies {
  groups: Listing;
  rules: Listing;
};

const CLIENTS: Record<Provider, (options: Options) => Promise<Client>> = {
  async aws(options) {
    const env: NodeJS.ProcessEnv = {
      AWS_ACCESS_KEY_ID: FAKE.aws.keyId,
      AWS_SECRET_ACCESS_KEY: FAKE.aws.secret,
      AWS_REGION: REGION.aws,
    };
    return {
      async withAdapter(endpoint, work) {
        // The SDK resolves endpoints from process.env only (adapters/aws/client.ts header).
        const restore = setProcessEnv({
          ...env,
          AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
          AWS_ENDPOINT_URL_EC2: endpoint,
          AWS_ENDPOINT_URL_STS: endpoint,
          AWS_ENDPOINT_URL_AUTO_SCALING: endpoint,
        });
        const config = configSchema.parse({
          providers: { aws: { regions: [REGION.aws], concurrency: options.concurrency } },
          scan: SCAN,
        });
        const adapter = createAwsAdapter({ config, env });
        try {
          return await work(adapter);
        } finally {
          adapter.close();
          restore();
        }
      },
      count: (pages) =>
        countPages(pages, {
          groups: ['aws:DescribeSecurityGroups', ['SecurityGroups']],
          rules: ['aws:DescribeSecurityGroupRules', ['SecurityGroupRules']],
          interfaces: ['aws:DescribeNetworkInterfaces', ['NetworkInterfaces']],
        }),
    };
  },

  async alibaba(options) {
    const { accessKeyId, accessKeySecret, account } = FAKE.alibaba;
    return {
      async withAdapter(endpoint, work) {
        const config = configSchema.parse({
          providers: { alibaba: { account, regions: [REGION.alibaba], concurrency: options.concurrency } },
          scan: SCAN,
        });
        const env = {
          WARDEN_ALIBABA_ENDPOINT: endpoint,
          ALIBABA_CLOUD_ACCESS_KEY_ID: accessKeyId,
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKeySecret,
        };
        return work(createAlibabaAdapter({ config, env }));
      },
      count: (pages) =>
        countPages(pages, {
          groups: ['alibaba:DescribeSecurityGroups', ['SecurityGroups', 'SecurityGroup']],
          rules: ['alibaba:DescribeSecurityGroupAttribute', ['Permissions', 'Permission']],
          interfaces: ['alibaba:DescribeNetworkInterfaces', ['NetworkInterfaceSets', 'NetworkInterfaceSet']],
        }),
    };
  },

  async huawei(options) {
    const { ak, sk, project } = FAKE.huawei;
    return {
      async withAdapter(endpoint, work) {
        const config = configSchema.parse({
          providers: {
            huawei: { regions: [{ region: REGION.huawei, projectId: project }], concurrency: options.concurrency },
          },
          scan: SCAN,
        });
        return work(
          createHuaweiAdapter({
            config,
            env: { HUAWEICLOUD_SDK_AK: ak, HUAWEICLOUD_SDK_SK: sk, WARDEN_HUAWEI_ENDPOINT: endpoint },
          }),
        );
      },
      count: (pages) => countPages(pages, vpcV3Kinds),
    };
  },

  async otc(options) {
    const [{ createOtcAdapter }, { FAKE_AK, FAKE_SK }] = await loadOtc();
    return {
      async withAdapter(endpoint, work) {
        // api: auto (the default): a read tries VPC v3 first, with no probe call.
        const config = configSchema.parse({
          providers: {
            otc: { regions: [{ region: REGION.otc, projectId: FAKE.otc.project }], concurrency: options.concurrency },
          },
          scan: SCAN,
        });
        return work(
          createOtcAdapter({
            config,
            env: { OTC_ACCESS_KEY: FAKE_AK, OTC_SECRET_KEY: FAKE_SK, WARDEN_OTC_ENDPOINT: endpoint },
          }),
        );
      },
      count: (pages) => countPages(pages, vpcV3Kinds),
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Serving a fake behind delay proxies: here, or in a child process (--serve <provider>)

async function serveHere(provider: Provider, options: Options): Promise<Served> {
  const fake = await FAKES[provider](options);
  const proxies: DelayProxy[] = [];
  try {
    for (const latencyMs of options.baseline ? [options.latencyMs, 0] : [options.latencyMs])
      proxies.push(await startDelayProxy({ target: fake.target, latencyMs }));
  } catch (error) {
    for (const proxy of proxies) await proxy.close();
    await fake.stop();
    throw error;
  }
  const proxy = (index: number): DelayProxy => {
    const found = proxies[index];
    if (!found) throw new Error(`no proxy ${index}`);
    return found;
  };
  return {
    estate: fake.estate,
    urls: proxies.map((p) => p.url),
    async reset(index) {
      proxy(index).reset();
    },
    async stats(index) {
      return { ...proxy(index).stats };
    },
    async stop() {
      for (const p of proxies) await p.close();
      await fake.stop();
    },
  };
}

type Ask = { op: 'reset' | 'stats'; index: number } | { op: 'stop' };
type ToChild = Ask & { id: number };
type FromChild =
  | { type: 'ready'; estate: EstateSize; urls: string[] }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; stats?: DelayProxyStats; error?: string };

const SELF = fileURLToPath(import.meta.url);

/** The child's side: serves the fake and its proxies, answers reset/stats/stop over IPC. */
async function serveChild(provider: Provider, options: Options): Promise<void> {
  const send = (message: FromChild) => process.send?.(message);
  let served: Served;
  try {
    served = await serveHere(provider, options);
  } catch (error) {
    send({ type: 'failed', message: (error as Error).message });
    process.disconnect?.();
    return;
  }
  process.on('message', (message: ToChild) => {
    void (async () => {
      try {
        if (message.op === 'stop') {
          await served.stop();
          send({ type: 'reply', id: message.id });
          process.disconnect?.();
        } else if (message.op === 'reset') {
          await served.reset(message.index);
          send({ type: 'reply', id: message.id });
        } else send({ type: 'reply', id: message.id, stats: await served.stats(message.index) });
      } catch (error) {
        send({ type: 'reply', id: message.id, error: (error as Error).message });
      }
    })();
  });
  send({ type: 'ready', estate: served.estate, urls: served.urls });
}

function optionArgs(options: Options): string[] {
  return [
    ...[
      '--groups',
      String(options.groups),
      '--rules-per-group',
      String(options.rulesPerGroup),
      '--latency',
      String(options.latencyMs),
    ],
    ...['--concurrency', String(options.concurrency), '--interfaces', String(options.interfaces)],
    ...(options.baseline ? ['--baseline'] : []),
  ];
}

async function serveInChild(provider: Provider, options: Options): Promise<Served> {
  const child: ChildProcess = fork(SELF, ['--serve', provider, ...optionArgs(options)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<
    number,
    { resolve: (stats: DelayProxyStats | undefined) => void; reject: (error: Error) => void }
  >();
  let nextId = 0;
  const ready = new Promise<{ estate: EstateSize; urls: string[] }>((resolve, reject) => {
    child.on('message', (message: FromChild) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'failed') reject(new Error(message.message));
      else {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error));
        else waiter?.resolve(message.stats);
      }
    });
    child.on('exit', (code, signal) => {
      const error = new Error(`the ${provider} fake's process ended (${signal ?? `exit ${code}`})`);
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
    child.on('error', reject);
  });
  const ask = (message: Ask): Promise<DelayProxyStats | undefined> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      child.send({ ...message, id } satisfies ToChild);
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let info: { estate: EstateSize; urls: string[] };
  try {
    info = await ready;
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    estate: info.estate,
    urls: info.urls,
    async reset(index) {
      await ask({ op: 'reset', index });
    },
    async stats(index) {
      const stats = await ask({ op: 'stats', index });
      if (!stats) throw new Error('the fake process sent no proxy stats');
      return stats;
    },
    async stop() {
      await ask({ op: 'stop' }).catch(() => undefined);
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The minimum and the ideal

/** max(…chains, ⌈total/C⌉) with its formula text; `total` is every call of the read (Σ chains unless told). */
function parallelPath(
  chains: { name: string; calls: number }[],
  concurrency: number,
  total = chains.reduce((sum, c) => sum + c.calls, 0),
): { calls: number; text: string } {
  const byConcurrency = Math.ceil(total / concurrency);
  const calls = Math.max(byConcurrency, ...chains.map((c) => c.calls));
  const text = `max(${chains.map((c) => `${c.name} ${c.calls}`).join(', ')}, ⌈all ${total} calls/C=${concurrency}⌉=${byConcurrency})`;
  return { calls, text };
}

/** One listing of the read: `items` listed at `max` a page (documented in PAGE_MAX). */
interface Chain {
  /** How the formula names it, e.g. `⌈ENIs/1000⌉ DescribeNetworkInterfaces`. */
  name: string;
  /** The chain's name in the critical path. */
  short: string;
  items: number;
  max: number;
}

const chainCalls = (chain: Chain): number => pagesFor(chain.items, chain.max);

/** Σ ⌈items/max⌉ over the listings, named, then with the estate's numbers. */
function minimumOf(chains: Chain[], before: { calls: number; name: string }[] = []): { calls: number; text: string } {
  const calls = before.reduce((sum, b) => sum + b.calls, 0) + chains.reduce((sum, c) => sum + chainCalls(c), 0);
  const names = [...before.map((b) => b.name), ...chains.map((c) => c.name)].join(' + ');
  const numbers = [...before.map((b) => String(b.calls)), ...chains.map((c) => `⌈${c.items}/${c.max}⌉`)].join(' + ');
  return { calls, text: `${names} = ${numbers} = ${calls}` };
}

function model(provider: Provider, estate: EstateSize, concurrency: number): Model {
  // The fakes serve no launch template, launch configuration or scaling configuration, and the
  // seeded rules name no prefix list, port list or address group: each such listing is one empty
  // page, and no per-list call follows.
  switch (provider) {
    case 'aws': {
      const chains: Chain[] = [
        { name: '⌈groups/1000⌉ DescribeSecurityGroups', short: 'SG chain', items: estate.groups, max: PAGE_MAX.aws },
        { name: '⌈rules/1000⌉ DescribeSecurityGroupRules', short: 'SGR chain', items: estate.rules, max: PAGE_MAX.aws },
        {
          name: '⌈ENIs/1000⌉ DescribeNetworkInterfaces',
          short: 'ENI chain',
          items: estate.interfaces,
          max: PAGE_MAX.aws,
        },
        {
          name: '⌈launch templates/200⌉ DescribeLaunchTemplates (then ⌈versions/200⌉ DescribeLaunchTemplateVersions per template)',
          short: 'template chain',
          items: 0,
          max: PAGE_MAX.awsLaunchTemplates,
        },
        {
          name: '⌈launch configurations/100⌉ Auto Scaling DescribeLaunchConfigurations',
          short: 'launch configuration chain',
          items: 0,
          max: PAGE_MAX.awsLaunchConfigurations,
        },
      ];
      const minimum = minimumOf(chains, [{ calls: 1, name: '1 STS GetCallerIdentity (scopes() needs the account)' }]);
      const lists = parallelPath(
        chains.map((c) => ({ name: c.short, calls: chainCalls(c) })),
        concurrency,
      );
      return {
        minimumCalls: minimum.calls,
        minimumFormula: minimum.text,
        pathCalls: 1 + lists.calls,
        pathFormula: `L × (1 STS, then the five listings side by side: ${lists.text}) = L × ${1 + lists.calls}`,
      };
    }
    case 'alibaba': {
      const sg = pagesFor(estate.groups, PAGE_MAX.alibabaGroups);
      const perGroup = pagesFor(estate.rulesPerGroup, PAGE_MAX.alibabaAttribute);
      const attribute = estate.groups * perGroup;
      const chains: Chain[] = [
        {
          name: '⌈ENIs/500⌉ DescribeNetworkInterfaces',
          short: 'ENI chain',
          items: estate.interfaces,
          max: PAGE_MAX.alibabaInterfaces,
        },
        {
          name: '⌈instances/100⌉ DescribeInstances',
          short: 'instance chain',
          items: estate.instances,
          max: PAGE_MAX.alibabaInstances,
        },
        {
          name: '⌈launch templates/50⌉ DescribeLaunchTemplates (then ⌈versions/50⌉ DescribeLaunchTemplateVersions per template)',
          short: 'template chain',
          items: 0,
          max: PAGE_MAX.alibabaPageNumbered,
        },
        {
          name: '⌈scaling configurations/50⌉ ESS DescribeScalingConfigurations',
          short: 'ESS chain',
          items: 0,
          max: PAGE_MAX.alibabaPageNumbered,
        },
        {
          name: '⌈ECI scaling configurations/50⌉ ESS DescribeEciScalingConfigurations',
          short: 'ECI chain',
          items: 0,
          max: PAGE_MAX.alibabaPageNumbered,
        },
      ];
      const minimum = minimumOf(chains, [
        { calls: sg, name: `⌈groups/100⌉ DescribeSecurityGroups (⌈${estate.groups}/100⌉)` },
        {
          calls: attribute,
          name: `groups × ⌈rules per group/1000⌉ DescribeSecurityGroupAttribute (${estate.groups} × ⌈${estate.rulesPerGroup}/1000⌉)`,
        },
      ]);
      // A group's attribute call can start once the page naming it has arrived: the last one after the whole SG chain.
      const path = parallelPath(
        [
          { name: "SG chain + the last group's attribute chain", calls: sg + perGroup },
          ...chains.map((c) => ({ name: c.short, calls: chainCalls(c) })),
        ],
        concurrency,
        minimum.calls,
      );
      return {
        minimumCalls: minimum.calls,
        minimumFormula: minimum.text,
        pathCalls: path.calls,
        pathFormula: `L × ${path.text} = L × ${path.calls}`,
      };
    }
    case 'huawei':
    case 'otc': {
      const addresses =
        provider === 'huawei'
          ? { name: '⌈EIPs/2000⌉ ListPublicips (EIP v1)', short: 'EIP chain' }
          : { name: '⌈floating IPs/2000⌉ Neutron floatingips', short: 'floating IP chain' };
      const chains: Chain[] = [
        { name: '⌈groups/2000⌉ ListSecurityGroups', short: 'groups chain', items: estate.groups, max: PAGE_MAX.vpcV3 },
        {
          name: '⌈rules/2000⌉ ListSecurityGroupRules (VPC v3)',
          short: 'rules chain',
          items: estate.rules,
          max: PAGE_MAX.vpcV3,
        },
        {
          name: provider === 'huawei' ? '⌈ports/2000⌉ ListPorts (VPC v1)' : '⌈ports/2000⌉ Neutron ports',
          short: 'port chain',
          items: estate.interfaces,
          max: PAGE_MAX.ports,
        },
        { ...addresses, items: 0, max: PAGE_MAX.ports },
      ];
      const minimum = minimumOf(chains);
      const lists = parallelPath(
        chains.map((c) => ({ name: c.short, calls: chainCalls(c) })),
        concurrency,
      );
      return {
        minimumCalls: minimum.calls,
        minimumFormula: minimum.text,
        pathCalls: lists.calls,
        pathFormula: `L × ${lists.text} = L × ${lists.calls}`,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Running

async function measure(client: Client, served: Served, index: number): Promise<Run> {
  await served.reset(index);
  const endpoint = served.urls[index] as string;
  return client.withAdapter(endpoint, async (adapter) => {
    const started = performance.now();
    const scopes: Scope[] = await adapter.scopes();
    const scoped = performance.now();
    if (scopes.length !== 1) throw new Error(`scopes() returned ${scopes.length} scopes; expected 1`);
    const pages = (await Promise.all(scopes.map((scope) => adapter.read(scope)))).flat();
    const ended = performance.now();
    // The proxy's counters settle when the last answer's 'close' fires, right after the client has it.
    await new Promise((resolve) => setImmediate(resolve));
    return {
      wallMs: ended - started,
      scopesMs: scoped - started,
      calls: adapter.stats.calls,
      retries: adapter.stats.retries,
      throttles: adapter.stats.throttles,
      proxy: await served.stats(index),
      read: client.count(pages),
    };
  });
}

async function runProvider(provider: Provider, options: Options, log: (line: string) => void): Promise<ProviderResult> {
  let client: Client;
  let served: Served;
  try {
    client = await CLIENTS[provider](options);
    served = await (options.inProcess ? serveHere(provider, options) : serveInChild(provider, options));
  } catch (error) {
    if (provider === 'otc')
      return {
        provider,
        skipped: `the OTC adapter or its fake could not be loaded or started: ${(error as Error).message}`,
      };
    return { provider, error: (error as Error).message };
  }
  try {
    const { estate } = served;
    log(
      `${provider}: ${estate.groups} groups, ${estate.rules} rules, ${estate.interfaces} interfaces seeded; reading through a ${options.latencyMs} ms proxy`,
    );
    if (options.warmup) {
      log(`${provider}: warm-up read (not measured)`);
      await measure(client, served, 0);
    }
    const runs: Run[] = [];
    for (let i = 0; i < options.runs; i++) runs.push(await measure(client, served, 0));
    // The run of median wall time (the lower middle one for an even count) gives every figure.
    const run = [...runs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor((runs.length - 1) / 2)] as Run;
    const incomplete = runs.find((r) =>
      (['groups', 'rules', 'interfaces'] as const).some((key) => r.read[key] !== estate[key]),
    );
    if (incomplete) {
      const missing = (['groups', 'rules', 'interfaces'] as const).filter(
        (key) => incomplete.read[key] !== estate[key],
      );
      const detail = missing.map((key) => `${key} ${incomplete.read[key]} of ${estate[key]}`).join(', ');
      return { provider, estate, read: incomplete.read, error: `the read is incomplete: ${detail}` };
    }
    let baselineWallMs: number | undefined;
    if (options.baseline) {
      log(`${provider}: baseline read with no added latency`);
      baselineWallMs = round1((await measure(client, served, 1)).wallMs);
    }
    const m = model(provider, estate, options.concurrency);
    const idealMs = m.pathCalls * options.latencyMs;
    const fakeMsPerCall = run.proxy.upstreamMs / Math.max(1, run.proxy.requests);
    const idealWithFakeMs = m.pathCalls * (options.latencyMs + fakeMsPerCall);
    return {
      provider,
      estate,
      read: run.read,
      calls: run.calls,
      proxyRequests: run.proxy.requests,
      retries: run.retries,
      throttles: run.throttles,
      minimumCalls: m.minimumCalls,
      minimumFormula: m.minimumFormula,
      callsRatio: round2(run.calls / m.minimumCalls),
      wallMs: round1(run.wallMs),
      ...(runs.length > 1 ? { wallMsRuns: runs.map((r) => round1(r.wallMs)) } : {}),
      scopesMs: round1(run.scopesMs),
      idealMs,
      criticalPathCalls: m.pathCalls,
      idealFormula: `${m.pathFormula.replace(/^L/, `L=${options.latencyMs} ms`)} = ${idealMs} ms`,
      wallRatio: idealMs > 0 ? round2(run.wallMs / idealMs) : Number.NaN,
      maxInFlight: run.proxy.maxInFlight,
      meanInFlight: round2(run.proxy.busyMs / run.wallMs),
      fakeMsPerCall: round2(fakeMsPerCall),
      fakeMsMax: round1(run.proxy.maxUpstreamMs),
      responseBytes: run.proxy.responseBytes,
      idealWithFakeMs: round1(idealWithFakeMs),
      wallRatioWithFake: idealWithFakeMs > 0 ? round2(run.wallMs / idealWithFakeMs) : Number.NaN,
      ...(baselineWallMs === undefined ? {} : { baselineWallMs }),
    };
  } catch (error) {
    return { provider, error: (error as Error).message.split('\n')[0] ?? String(error) };
  } finally {
    await served.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Output

const fixed = (value: number | undefined, digits: number): string => (value === undefined ? '' : value.toFixed(digits));

function table(options: Options, results: ProviderResult[]): string {
  const head = [
    'provider',
    'groups',
    'rules',
    'ENIs',
    'calls',
    'proxy',
    'minimum',
    'calls/min',
    'wall ms',
    'ideal ms',
    'wall/ideal',
    'max in flight',
    'mean in flight',
    'fake ms/call',
    'wall/(ideal+fake)',
  ];
  if (options.baseline) head.push('wall ms at L=0');
  const rows: string[][] = [];
  for (const r of results) {
    if (r.skipped || r.error) continue;
    const row = [
      r.provider,
      String(r.estate?.groups),
      String(r.estate?.rules),
      String(r.estate?.interfaces),
      String(r.calls),
      String(r.proxyRequests),
      String(r.minimumCalls),
      fixed(r.callsRatio, 2),
      fixed(r.wallMs, 1),
      String(r.idealMs),
      fixed(r.wallRatio, 2),
      String(r.maxInFlight),
      fixed(r.meanInFlight, 2),
      fixed(r.fakeMsPerCall, 2),
      fixed(r.wallRatioWithFake, 2),
    ];
    if (options.baseline) row.push(fixed(r.baselineWallMs, 1));
    rows.push(row);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const out = [
    `Scan benchmark: ${options.groups} groups per provider, ${options.rulesPerGroup} rules per group, ${options.interfaces} network interfaces (AWS, Alibaba); ` +
      `latency L=${options.latencyMs} ms per call; concurrency C=${options.concurrency}; fakes ${options.inProcess ? 'in this process' : 'in a child process'}` +
      `${options.warmup ? '; after one unmeasured warm-up read' : ''}${options.runs > 1 ? `; median of ${options.runs} runs` : ''}`,
    '',
    line(head),
    line(head.map((h) => '-'.repeat(h.length))),
    ...rows.map(line),
    '',
  ];
  for (const r of results) {
    if (r.skipped) out.push(`${r.provider}: SKIPPED: ${r.skipped}`);
    else if (r.error) out.push(`${r.provider}: ERROR: ${r.error}`);
    else {
      out.push(
        `${r.provider}: calls/minimum = ${r.calls}/${r.minimumCalls} = ${fixed(r.callsRatio, 2)}; wall/ideal = ${fixed(r.wallMs, 1)}/${r.idealMs} ms = ${fixed(r.wallRatio, 2)}`,
      );
      out.push(`  minimum: ${r.minimumFormula}`);
      out.push(`  ideal:   ${r.idealFormula}`);
      if (r.calls !== r.proxyRequests)
        out.push(`  NOTE: stats.calls ${r.calls} ≠ ${r.proxyRequests} requests at the proxy`);
      if ((r.retries ?? 0) > 0) out.push(`  NOTE: ${r.retries} retries (${r.throttles} throttles)`);
    }
  }
  out.push(
    '',
    "calls: the adapter's stats.calls; proxy: requests the delay proxy forwarded; mean in flight: Σ per-call time at the proxy / wall;",
    "fake ms/call: the fake's own mean time per call (proxy forward → last byte of the answer), on top of L;",
    "wall/(ideal+fake): wall / (critical-path calls × (L + fake ms/call)), i.e. with the fake's own time counted as latency too.",
  );
  if (options.providers.includes('aws'))
    out.push('AWS: the fake serves 2 rules per group (test/support/fake-ec2.ts), whatever --rules-per-group is.');
  return out.join('\n');
}

const COMMAND = {
  name: 'scan-bench',
  usage:
    'usage: node bench/scan-bench.ts [--groups N] [--rules-per-group R] [--latency L] [--concurrency C] [--interfaces I] [--providers aws,alibaba,huawei,otc] [--runs K] [--baseline] [--warmup] [--in-process] [--format table|json]',
  options: {
    groups: { type: 'string', default: '1000' },
    'rules-per-group': { type: 'string', default: '10' },
    latency: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    interfaces: { type: 'string' },
    providers: { type: 'string', default: ALL.join(',') },
    baseline: { type: 'boolean', default: false },
    warmup: { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
    'in-process': { type: 'boolean', default: false },
    format: { type: 'string', default: 'table' },
    serve: { type: 'string' },
  },
} as const;

function parseOptions({ values }: BenchArgs<typeof COMMAND>): { options: Options; serve?: Provider } {
  const groups = integer('groups', values.groups, 1, 1_000_000);
  const rulesPerGroup = integer('rules-per-group', values['rules-per-group'], 0, 1000);
  const latencyMs = integer('latency', values.latency, 0, 60_000);
  // providers.<p>.concurrency is 1..64 in the config schema.
  const concurrency = integer('concurrency', values.concurrency, 1, 64);
  const runs = integer('runs', values.runs, 1, 100);
  const interfaces =
    values.interfaces === undefined ? Math.ceil(groups / 2) : integer('interfaces', values.interfaces, 0, 1_000_000);
  const format = oneOf('format', values.format, ['table', 'json']);
  const providers = values.providers
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const unknown = providers.filter((p) => !(ALL as readonly string[]).includes(p));
  if (providers.length === 0 || unknown.length > 0)
    throw new UsageError(
      `--providers takes a comma-separated list of ${ALL.join(', ')} (got ${JSON.stringify(values.providers)})`,
    );
  if (values.serve !== undefined && !(ALL as readonly string[]).includes(values.serve))
    throw new UsageError(`--serve takes one of ${ALL.join(', ')}`);
  const options: Options = {
    groups,
    rulesPerGroup,
    latencyMs,
    concurrency,
    interfaces,
    providers: ALL.filter((p) => providers.includes(p)),
    baseline: values.baseline,
    warmup: values.warmup,
    runs,
    inProcess: values['in-process'],
    format,
  };
  return values.serve === undefined ? { options } : { options, serve: values.serve as Provider };
}

async function main(args: BenchArgs<typeof COMMAND>): Promise<number> {
  const { options, serve } = parseOptions(args);
  if (serve !== undefined) {
    await serveChild(serve, options);
    return 0;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const results: ProviderResult[] = [];
  for (const provider of options.providers) results.push(await runProvider(provider, options, log));
  if (options.format === 'json') {
    const { format: _format, ...shown } = options;
    process.stdout.write(`${JSON.stringify({ options: shown, results }, null, 2)}\n`);
  } else process.stdout.write(`${table(options, results)}\n`);
  return results.some((r) => r.error) ? 1 : 0;
}

process.exitCode = await runBench(COMMAND, main);
