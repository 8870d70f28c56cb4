import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/schema.ts';
import type { NewRule, Plan } from '../src/model/change.ts';
import { ruleSignature } from '../src/model/rule-signature.ts';
import type { Rule } from '../src/model/types.ts';
import { normalizeScope as normalize } from '../adapters/live-estate.ts';
import { applyPlan, auditVerifier, readGroup } from '../src/remediation/apply.ts';
import { createFileChangeStore } from '../src/store/changes.ts';
import { rule } from './support/build.ts';
import { createMemoryAdapter, MEMORY_SCOPE } from './support/memory-adapter.ts';
import type { MemoryAdapter } from './support/memory-adapter.ts';

// Apply verifies after the change: where the re-read estate has interfaces, no interface carrying
// the group may allow more than it did before the change.

const GROUP = 'sg-0a1b2c3d4e5f60718';
const config = configSchema.parse({});
let dir: string;
let adapter: MemoryAdapter;
let sshId: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-apply-ifaces-'));
  adapter = createMemoryAdapter([{ id: GROUP, name: 'web', vpcId: 'vpc-1', description: 'web servers' }]);
  sshId = adapter.put(GROUP, rule({ ports: 22, description: 'ssh' }));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A plan that replaces SSH from the Internet by `replacement` (hand-built: apply does not re-prove). */
async function replaceSsh(replacement: NewRule): Promise<Plan> {
  const group = await readGroup(adapter, MEMORY_SCOPE, GROUP, normalize);
  const ssh = group?.rules.find((r) => r.native.ruleId === sshId) as Rule;
  const signature = ruleSignature(ssh, true);
  return {
    id: 'plan-test',
    finding: { fingerprint: 'fp-test', check: 'internet-admin-port', title: 'SSH', severity: 'critical' },
    target: { ...MEMORY_SCOPE, groupId: GROUP, groupName: 'web' },
    operations: [
      { op: 'add', rule: replacement },
      { op: 'remove', ruleId: sshId, signature, rule: ssh },
    ],
    preconditions: [{ ruleId: sshId, signature }],
    resolves: ['fp-test'],
    summary: 'replace SSH',
    notes: [],
    diff: [],
  };
}

function apply(plan: Plan) {
  return applyPlan({
    adapter,
    normalize,
    scope: MEMORY_SCOPE,
    plan,
    store: createFileChangeStore(dir),
    actor: 'test',
    verify: auditVerifier(config),
  });
}

const { native: _native, ...rdp } = rule({ ports: 3389, description: 'rdp' });
const { native: _office, ...office } = rule({ ports: 22, peer: '203.0.113.0/24', description: 'office' });

describe('apply verifies on the interfaces carrying the group', () => {
  it('undoes a change that leaves an interface more open, and says which', async () => {
    adapter.interfaces = [
      { NetworkInterfaceId: 'eni-1', VpcId: 'vpc-1', Groups: [{ GroupId: GROUP }], Attachment: { InstanceId: 'i-1' } },
    ];
    const record = await apply(await replaceSsh(rdp));
    expect(record.status).toBe('rolled-back');
    expect(record.verification).toEqual({ findingGone: true, otherRulesUntouched: true, interfacesNoMoreOpen: false });
    expect(record.messages).toContain(
      'verification: interface eni-1 (i-1) more open: ingress tcp/3389 from 0.0.0.0/0: newly allowed',
    );
  });

  it('records that no interface is more open for a change that narrows', async () => {
    adapter.interfaces = [{ NetworkInterfaceId: 'eni-1', VpcId: 'vpc-1', Groups: [{ GroupId: GROUP }] }];
    const record = await apply(await replaceSsh(office));
    expect(record.status).toBe('applied');
    expect(record.verification).toEqual({ findingGone: true, otherRulesUntouched: true, interfacesNoMoreOpen: true });
  });

  it('without interfaces in the read, verifies on the group as before', async () => {
    const record = await apply(await replaceSsh(rdp));
    expect(record.status).toBe('applied');
    expect(record.verification).toEqual({ findingGone: true, otherRulesUntouched: true });
  });
});
