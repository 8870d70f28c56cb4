import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateVpcCommand,
} from '@aws-sdk/client-ec2';
import type { EC2Client, IpPermission } from '@aws-sdk/client-ec2';
import { runWarden } from './cli.ts';
import type { CliRun } from './cli.ts';

// A moto_server (https://docs.getmoto.org/en/latest/docs/server_mode.html) on a free loopback
// port for one test file: every AWS API it emulates, in memory, gone when it stops.

export interface Moto {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  stop(): Promise<void>;
}

/** The fake credentials and region tests run with, and the endpoint the SDK is to use. */
export function motoEnv(endpoint: string, region = 'eu-west-1'): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_REGION: region,
    AWS_ENDPOINT_URL: endpoint,
  };
}

/** What an SDK client in a test is built with to reach moto: its endpoint, a region and the fake credentials. */
export function motoClientConfig(
  endpoint: string,
  region = 'eu-west-1',
): { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } } {
  return { region, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
}

/**
 * Sets `vars` on process.env (the AWS SDK resolves endpoints from process.env only) and
 * returns a function that puts back what was there; AWS_PROFILE and the service-specific
 * endpoint variables are cleared meanwhile so nothing from the machine leaks in.
 */
export function setProcessEnv(vars: NodeJS.ProcessEnv): () => void {
  const keys = new Set([
    ...Object.keys(vars),
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_EC2',
    'AWS_ENDPOINT_URL_STS',
    'AWS_ENDPOINT_URL_AUTO_SCALING',
  ]);
  const saved = new Map([...keys].map((key) => [key, process.env[key]]));
  for (const key of keys) {
    if (vars[key] === undefined) delete process.env[key];
    else process.env[key] = vars[key];
  }
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/** A port nobody listens on right now: listen on port 0 on loopback, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function installed(): boolean {
  const found = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  return !found.error && found.status === 0;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Starts moto_server on 127.0.0.1 and waits until it answers HTTP. */
export async function startMoto(options: { timeoutMs?: number } = {}): Promise<Moto> {
  if (!installed()) throw new Error("moto_server is not installed: pip install 'moto[server]'");
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-2000);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited(child);
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (!(await answers(`${endpoint}/moto-api/`))) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`moto_server exited (${child.exitCode ?? child.signalCode}): ${output.trim()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `moto_server did not answer on ${endpoint} within ${options.timeoutMs ?? 20_000} ms: ${output.trim()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { endpoint, stop };
}

/** Creates a security group in `vpcId` with these ingress permissions, through the EC2 SDK (as a user would); returns its id. */
export async function seedSecurityGroup(
  ec2: EC2Client,
  vpcId: string,
  name: string,
  permissions: IpPermission[],
): Promise<string> {
  const id = (
    await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: name, Description: `warden test ${name}`, VpcId: vpcId }),
    )
  ).GroupId as string;
  if (permissions.length > 0)
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: permissions }));
  return id;
}

/** Creates a VPC (10.0.0.0/16 unless told) through the EC2 SDK; returns its id. */
export async function createVpc(ec2: EC2Client, cidr = '10.0.0.0/16'): Promise<string> {
  return (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId as string;
}

/** A warden.yaml reading AWS in `region`, whose fixes open SSH to the office range 203.0.113.0/24 instead. */
export function awsOfficeSshConfig(region: string): string {
  return [
    `providers:`,
    `  aws:`,
    `    regions: [${region}]`,
    `remediation:`,
    `  trustedSources:`,
    `    "22": [{ source: 203.0.113.0/24, label: office }]`,
    ``,
  ].join('\n');
}

/** The warden CLI against moto in `region`, acting as tester@ci, with its change records under `stateDir`. */
export function runWardenOnMoto(endpoint: string, region: string, stateDir: string, args: string[]): Promise<CliRun> {
  return runWarden(args, {
    env: { ...motoEnv(endpoint, region), WARDEN_STATE_DIR: stateDir, WARDEN_ACTOR: 'tester@ci' },
  });
}
