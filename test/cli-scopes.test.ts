import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContextReport } from '../src/cli/report-context.ts';
import { contextHeader, writeContextHeader } from '../src/cli/report-context.ts';
import { expectUsageLine, ROOT, runWarden } from './support/cli.ts';
import { addOpenSshGroup, startFakeHuawei } from './support/fake-huawei.ts';
import type { FakeHuawei } from './support/fake-huawei.ts';

// Issue 11 §1 through the CLI: what was asked is what is audited. Values that select nothing are
// usage errors; a live audit needs no config for one provider and region; the config is found
// where users expect it, and the report says which config and what source it used.

const AK = 'HPUAFAKEACCESSKEY0002';
const SK = 'fake-secret-key-never-printed';
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const OTHER = 'f9e8d7c6b5a4938271605f4e3d2c1b0a';

let fake: FakeHuawei;
let dir: string;
let cfg: string;

const run = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  runWarden(args, {
    ...options,
    env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK, WARDEN_HUAWEI_ENDPOINT: fake.url, ...options.env },
  });

beforeAll(async () => {
  fake = await startFakeHuawei({ ak: AK, sk: SK });
  dir = await mkdtemp(join(tmpdir(), 'warden-cli-scopes-'));
  addOpenSshGroup(fake, PROJECT, 'jump-host');
  cfg = join(dir, 'huawei.yaml');
  await writeFile(
    cfg,
    `providers:\n  huawei:\n    regions:\n      - { region: ap-southeast-1, projectId: ${PROJECT} }\n  otc:\n    regions:\n      - { region: eu-de, projectId: ${OTHER} }\n`,
  );
  for (const name of ['yaml-dir', 'env-dir', 'empty-dir']) await mkdir(join(dir, name));
  await writeFile(join(dir, 'yaml-dir', 'warden.yaml'), 'checks:\n  disabled: [internet-admin-port]\n');
  await writeFile(join(dir, 'env.json'), JSON.stringify({ checks: { disabled: ['egress-all'] } }));
});

afterAll(async () => {
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.concurrent('--regions, --accounts and --provider must each select something', () => {
  it('a region the config does not list is a usage error naming the value and the listed regions', async () => {
    const result = await run([
      'audit',
      '--provider',
      'huawei',
      '--config',
      cfg,
      '--regions',
      'eu-west-9',
      '--fail-on',
      'info',
    ]);
    expectUsageLine(result, `warden: --regions eu-west-9 selects nothing: ${cfg} lists huawei regions ap-southeast-1`);
  });

  it('one unknown region among known ones is still an error', async () => {
    const result = await run([
      'audit',
      '--provider',
      'huawei',
      '--config',
      cfg,
      '--regions',
      'ap-southeast-1,ap-southeast-9',
    ]);
    expectUsageLine(
      result,
      `warden: --regions ap-southeast-9 selects nothing: ${cfg} lists huawei regions ap-southeast-1`,
    );
  });

  it('an account (project) the config does not list is a usage error', async () => {
    const result = await run(['audit', '--provider', 'huawei', '--config', cfg, '--accounts', '123456789012']);
    expectUsageLine(result, `warden: --accounts 123456789012 selects nothing: ${cfg} lists huawei accounts ${PROJECT}`);
  });

  it('a requested provider that the filter leaves without a scope is a usage error', async () => {
    const result = await run([
      'audit',
      '--provider',
      'huawei',
      '--provider',
      'otc',
      '--config',
      cfg,
      '--regions',
      'ap-southeast-1',
    ]);
    expectUsageLine(
      result,
      `warden: --provider otc selects nothing with --regions ap-southeast-1: ${cfg} lists otc regions eu-de; otc accounts ${OTHER}`,
    );
  });

  it('an unlisted region is a usage error even when the credentials cannot be checked (no cloud call decides it)', async () => {
    const aws = join(dir, 'aws.yaml');
    await writeFile(aws, 'providers:\n  aws:\n    regions: [eu-west-1]\n');
    const unreachable = {
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    };
    const result = await run(
      ['audit', '--provider', 'aws', '--config', aws, '--regions', 'eu-west-9', '--fail-on', 'info'],
      { env: unreachable },
    );
    expectUsageLine(result, `warden: --regions eu-west-9 selects nothing: ${aws} lists aws regions eu-west-1`);
  });

  it('an empty --regions is a usage error, not "every region"', async () => {
    const result = await run(['audit', '--provider', 'huawei', '--config', cfg, '--regions', ',']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe('warden: --regions names no region (see `warden audit --help`)');
  });

  it('values that select scopes audit them', async () => {
    const result = await run([
      'audit',
      '--provider',
      'huawei',
      '--config',
      cfg,
      '--regions',
      'ap-southeast-1',
      '--accounts',
      PROJECT,
      '--format',
      'json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ContextReport;
    expect(report.summary.source).toEqual({
      kind: 'live',
      scopes: [{ provider: 'huawei', account: PROJECT, region: 'ap-southeast-1' }],
    });
    expect(report.summary.config).toBe(cfg);
  });
});

describe.concurrent('a live audit without a config file', () => {
  it('Huawei: reads the project of HUAWEICLOUD_SDK_PROJECT_ID in the one region given, with the same findings as with a config', async () => {
    const bare = await run(['audit', '--provider', 'huawei', '--regions', 'ap-southeast-1', '--format', 'json'], {
      cwd: join(dir, 'empty-dir'),
      env: { HUAWEICLOUD_SDK_PROJECT_ID: PROJECT },
    });
    expect(bare.stderr).toBe('');
    expect(bare.code).toBe(0);
    const report = JSON.parse(bare.stdout) as ContextReport;
    expect(report.summary.config).toBeNull();
    expect(report.summary.source).toEqual({
      kind: 'live',
      scopes: [{ provider: 'huawei', account: PROJECT, region: 'ap-southeast-1' }],
    });
    const configured = JSON.parse(
      (await run(['audit', '--provider', 'huawei', '--config', cfg, '--format', 'json'])).stdout,
    ) as ContextReport;
    expect(report.findings.map((f) => f.fingerprint).sort()).toEqual(
      configured.findings.map((f) => f.fingerprint).sort(),
    );
    expect(report.findings.some((f) => f.check === 'internet-admin-port' && f.groupName === 'jump-host')).toBe(true);
  });

  it('without --regions, names the missing option (the SDK region variables do not count)', async () => {
    const result = await run(['audit', '--provider', 'aws'], {
      cwd: join(dir, 'empty-dir'),
      env: { AWS_REGION: 'eu-west-1' },
    });
    expectUsageLine(
      result,
      'warden: --provider aws needs --regions (no config file lists providers.aws; AWS_REGION and the profile’s region do not count)',
    );
  });

  it('Huawei and OTC take one region only (project ids are per region)', async () => {
    const result = await run(['audit', '--provider', 'huawei', '--regions', 'ap-southeast-1,cn-north-4'], {
      cwd: join(dir, 'empty-dir'),
      env: { HUAWEICLOUD_SDK_PROJECT_ID: PROJECT },
    });
    expectUsageLine(
      result,
      'warden: --provider huawei reads one region when no config file lists providers.huawei (project ids are per region); got --regions ap-southeast-1,cn-north-4',
    );
  });

  it('OTC without OS_PROJECT_ID names the variable', async () => {
    const result = await run(['audit', '--provider', 'otc', '--regions', 'eu-de'], { cwd: join(dir, 'empty-dir') });
    expectUsageLine(
      result,
      'warden: --provider otc needs OS_PROJECT_ID (the project id in eu-de) when no config file lists providers.otc',
    );
  });

  it('an OTC region that does not exist names the closest one', async () => {
    const result = await run(['audit', '--provider', 'otc', '--regions', 'eu-fr'], {
      cwd: join(dir, 'empty-dir'),
      env: { OS_PROJECT_ID: OTHER },
    });
    expectUsageLine(
      result,
      'warden: --regions eu-fr: otc.regions.0.region: unknown value "eu-fr" (closest valid name: "eu-de")',
    );
  });
});

describe.concurrent('config discovery and the report header', () => {
  it('without --source or --provider audits examples/ and says so in the JSON summary', async () => {
    const result = await run(['audit', '--format', 'json']);
    const report = JSON.parse(result.stdout) as ContextReport;
    expect(report.summary.source).toEqual({ kind: 'examples', path: 'examples/' });
    expect(report.summary.config).toBeNull();
  });

  it('./warden.yaml in the working directory is used', async () => {
    const cwd = join(dir, 'yaml-dir');
    const result = await run(['audit', '--source', join(ROOT, 'examples'), '--format', 'json'], { cwd });
    const report = JSON.parse(result.stdout) as ContextReport;
    expect(report.summary.config).toBe('warden.yaml');
    expect(report.summary.source).toEqual({ kind: 'snapshot', path: join(ROOT, 'examples') });
    expect(report.findings.some((f) => f.check === 'internet-admin-port')).toBe(false);
  });

  it('$WARDEN_CONFIG comes before ./warden.yaml, and --config before both', async () => {
    const cwd = join(dir, 'yaml-dir');
    const env = { WARDEN_CONFIG: join(dir, 'env.json') };
    const fromEnv = JSON.parse(
      (await run(['audit', '--source', join(ROOT, 'examples'), '--format', 'json'], { cwd, env })).stdout,
    ) as ContextReport;
    expect(fromEnv.summary.config).toBe(join(dir, 'env.json'));
    expect(fromEnv.findings.some((f) => f.check === 'egress-all')).toBe(false);
    expect(fromEnv.findings.some((f) => f.check === 'internet-admin-port')).toBe(true);
    const explicit = JSON.parse(
      (
        await run(['audit', '--source', join(ROOT, 'examples'), '--format', 'json', '--config', 'warden.yaml'], {
          cwd,
          env,
        })
      ).stdout,
    ) as ContextReport;
    expect(explicit.summary.config).toBe('warden.yaml');
  });

  it('a $WARDEN_CONFIG that does not exist is a one-line error naming it', async () => {
    const missing = join(dir, 'nope.yaml');
    const result = await run(['audit', '--format', 'json'], { env: { WARDEN_CONFIG: missing } });
    expectUsageLine(result, `warden: ${missing}: cannot read config: ENOENT`);
  });

  it('the header names the source and the config, on a terminal only', () => {
    const written: string[] = [];
    const context = { config: null, source: { kind: 'examples' as const, path: 'examples/' } };
    writeContextHeader(context, { isTTY: false, write: (text: string) => written.push(text) > 0 });
    expect(written).toEqual([]);
    writeContextHeader(context, { isTTY: true, write: (text: string) => written.push(text) > 0 });
    expect(written).toEqual([
      'warden: auditing examples/ (the bundled demo estate; --source <file|dir> or --provider <p> audits yours); config: none (defaults)\n',
    ]);
    const live = {
      config: 'warden.yaml',
      source: {
        kind: 'live' as const,
        scopes: [{ provider: 'huawei' as const, account: PROJECT, region: 'ap-southeast-1' }],
      },
    };
    expect(contextHeader(live)).toBe(
      `warden: auditing 1 live scope: huawei ${PROJECT} ap-southeast-1; config: warden.yaml`,
    );
  });
});
