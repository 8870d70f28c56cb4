import type { IpPermission } from '@aws-sdk/client-ec2';
import { toIpPermission } from '../../adapters/aws/encode.ts';
import type { CallStats, LiveAdapter, RawPage, Scope, ScopeFilter } from '../../src/ports/live.ts';
import { ruleSignature } from '../../src/model/rule-signature.ts';
import type { Rule } from '../../src/model/types.ts';

// An in-memory AWS account for remediation tests: a mutable list of groups whose rules are kept
// as EC2 DescribeSecurityGroupRules records, read back through the real AWS normalizers. Rules
// are added through the real `toIpPermission` (so what EC2 refuses, this refuses: deny rules,
// several port ranges) and get `sgr-<n>` ids; an identical rule is refused as EC2 does
// (InvalidPermission.Duplicate). Failures can be injected on the Nth call of a kind, and a hook
// runs before every call so a test can change the group in between (drift).

export const MEMORY_SCOPE: Scope = { provider: 'aws', account: '123456789012', region: 'eu-west-1' };

export interface MemoryGroup {
  id: string;
  name: string;
  vpcId: string;
  description: string;
  /** EC2 SecurityGroupRule records, as DescribeSecurityGroupRules lists them. */
  rules: Record<string, unknown>[];
}

export type CallKind = 'read' | 'add' | 'remove';

export interface CallEntry {
  op: CallKind;
  groupId?: string;
  /** For add: the id assigned; for remove: the id asked for. */
  ruleId?: string;
  /** For add and remove: the rule's signature (with priority). */
  signature?: string;
  ok: boolean;
}

export interface Fault {
  /** 1-based: the nth call of this kind from the moment the fault is set. */
  nth: number;
  message: string;
  /** The call takes effect and then throws (the answer was lost). */
  afterActing: boolean;
}

export interface MemoryAdapter extends LiveAdapter {
  groups: MemoryGroup[];
  /** EC2 NetworkInterface records; listed as a DescribeNetworkInterfaces page when set (absent: not read). */
  interfaces?: Record<string, unknown>[];
  calls: CallEntry[];
  /** Makes the nth next call of a kind fail. */
  fail(op: CallKind, options?: { nth?: number; message?: string; afterActing?: boolean }): void;
  /** Runs before every call (after it is logged as pending); may change `groups`. Returns the unhook. */
  beforeCall(hook: (op: CallKind, adapter: MemoryAdapter) => void): () => void;
  /** Adds a rule directly (as someone else would, in the console); returns its id. */
  put(groupId: string, rule: Rule): string;
  /** Removes a rule directly by id. */
  drop(groupId: string, ruleId: string): void;
  /** Changes a rule in place, keeping its id (EC2 ModifySecurityGroupRules). */
  modify(groupId: string, ruleId: string, rule: Rule): void;
  /** The mutating calls only (add/remove), in order. */
  mutations(): CallEntry[];
}

/** One EC2 SecurityGroupRule record from a model rule, through the real IpPermission conversion. */
function toRecord(rule: Rule, groupId: string, ruleId: string, account: string): Record<string, unknown> {
  const permission: IpPermission = toIpPermission(rule, groupId);
  const record: Record<string, unknown> = {
    SecurityGroupRuleId: ruleId,
    GroupId: groupId,
    GroupOwnerId: account,
    IsEgress: rule.direction === 'egress',
    IpProtocol: permission.IpProtocol,
    FromPort: permission.FromPort ?? -1,
    ToPort: permission.ToPort ?? -1,
  };
  const peer =
    permission.IpRanges?.[0] ??
    permission.Ipv6Ranges?.[0] ??
    permission.UserIdGroupPairs?.[0] ??
    permission.PrefixListIds?.[0];
  if (permission.IpRanges?.[0]) record['CidrIpv4'] = permission.IpRanges[0].CidrIp;
  else if (permission.Ipv6Ranges?.[0]) record['CidrIpv6'] = permission.Ipv6Ranges[0].CidrIpv6;
  else if (permission.UserIdGroupPairs?.[0]) {
    const pair = permission.UserIdGroupPairs[0];
    record['ReferencedGroupInfo'] = { GroupId: pair.GroupId, UserId: pair.UserId ?? account };
  } else if (permission.PrefixListIds?.[0]) record['PrefixListId'] = permission.PrefixListIds[0].PrefixListId;
  if (peer?.Description) record['Description'] = peer.Description;
  return record;
}

function sameContent(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = ['IsEgress', 'IpProtocol', 'FromPort', 'ToPort', 'CidrIpv4', 'CidrIpv6', 'PrefixListId'];
  const ref = (r: Record<string, unknown>) =>
    JSON.stringify((r['ReferencedGroupInfo'] as { GroupId?: string } | undefined)?.GroupId ?? null);
  return keys.every((k) => a[k] === b[k]) && ref(a) === ref(b);
}

export function createMemoryAdapter(
  groups: (Omit<MemoryGroup, 'rules'> & { rules?: Record<string, unknown>[] })[],
  scope: Scope = MEMORY_SCOPE,
): MemoryAdapter {
  const stats: CallStats = { calls: 0, retries: 0, throttles: 0 };
  const faults: Record<CallKind, Fault[]> = { read: [], add: [], remove: [] };
  const hooks = new Set<(op: CallKind, adapter: MemoryAdapter) => void>();
  let nextId = 1;

  const groupOf = (groupId: string): MemoryGroup => {
    const group = adapter.groups.find((g) => g.id === groupId);
    if (!group) throw new Error(`InvalidGroup.NotFound: The security group '${groupId}' does not exist`);
    return group;
  };

  const insert = (groupId: string, rule: Rule): string => {
    const group = groupOf(groupId);
    const id = `sgr-${String(nextId++).padStart(4, '0')}`;
    const record = toRecord(rule, groupId, id, scope.account);
    if (group.rules.some((r) => sameContent(r, record))) {
      nextId--;
      throw new Error('InvalidPermission.Duplicate: the specified rule already exists');
    }
    group.rules.push(record);
    return id;
  };

  /** Counts the call, runs the hooks, and answers whether it fails (and when). */
  const enter = (op: CallKind): Fault | undefined => {
    stats.calls++;
    for (const hook of hooks) hook(op, adapter);
    const list = faults[op];
    let hit: Fault | undefined;
    for (const fault of list) fault.nth--;
    const index = list.findIndex((f) => f.nth === 0);
    if (index >= 0) [hit] = list.splice(index, 1);
    return hit;
  };

  const adapter: MemoryAdapter = {
    provider: scope.provider,
    stats,
    groups: groups.map((g) => ({ ...g, rules: g.rules ?? [] })),
    calls: [],

    async scopes(filter?: ScopeFilter) {
      // As the real adapters do: the filter narrows the one scope away when it names others.
      if (filter?.regions && !filter.regions.includes(scope.region)) return [];
      if (filter?.accounts && !filter.accounts.includes(scope.account)) return [];
      return [scope];
    },

    async read(readScope: Scope): Promise<RawPage[]> {
      const fault = enter('read');
      if (fault) {
        adapter.calls.push({ op: 'read', ok: false });
        throw new Error(fault.message);
      }
      adapter.calls.push({ op: 'read', ok: true });
      if (readScope.region !== scope.region || readScope.account !== scope.account) return [];
      const clone = <T>(value: T): T => structuredClone(value);
      return [
        {
          kind: 'aws:DescribeSecurityGroups',
          body: {
            SecurityGroups: adapter.groups.map((g) => ({
              GroupId: g.id,
              GroupName: g.name,
              VpcId: g.vpcId,
              Description: g.description,
              OwnerId: scope.account,
            })),
          },
        },
        {
          kind: 'aws:DescribeSecurityGroupRules',
          body: { SecurityGroupRules: clone(adapter.groups.flatMap((g) => g.rules)) },
        },
        ...(adapter.interfaces
          ? [{ kind: 'aws:DescribeNetworkInterfaces', body: { NetworkInterfaces: clone(adapter.interfaces) } }]
          : []),
      ];
    },

    async addRule(_scope: Scope, groupId: string, rule: Rule): Promise<string> {
      const fault = enter('add');
      const signature = ruleSignature(rule, true);
      if (fault && !fault.afterActing) {
        adapter.calls.push({ op: 'add', groupId, signature, ok: false });
        throw new Error(fault.message);
      }
      let id: string;
      try {
        id = insert(groupId, rule);
      } catch (error) {
        adapter.calls.push({ op: 'add', groupId, signature, ok: false });
        throw error;
      }
      adapter.calls.push({ op: 'add', groupId, ruleId: id, signature, ok: !fault });
      if (fault) throw new Error(fault.message);
      return id;
    },

    async removeRule(_scope: Scope, groupId: string, rule: Rule): Promise<void> {
      const fault = enter('remove');
      const ruleId = rule.native.ruleId;
      const signature = ruleSignature(rule, true);
      if (fault && !fault.afterActing) {
        adapter.calls.push({ op: 'remove', groupId, ruleId, signature, ok: false });
        throw new Error(fault.message);
      }
      const group = groupOf(groupId);
      const before = group.rules.length;
      group.rules = group.rules.filter((r) => r['SecurityGroupRuleId'] !== ruleId);
      if (group.rules.length === before) {
        adapter.calls.push({ op: 'remove', groupId, ruleId, signature, ok: false });
        throw new Error(`InvalidSecurityGroupRuleId.NotFound: ${ruleId}`);
      }
      adapter.calls.push({ op: 'remove', groupId, ruleId, signature, ok: !fault });
      if (fault) throw new Error(fault.message);
    },

    fail(op, options = {}) {
      faults[op].push({
        nth: options.nth ?? 1,
        message: options.message ?? `injected ${op} failure`,
        afterActing: options.afterActing ?? false,
      });
    },

    beforeCall(hook) {
      hooks.add(hook);
      return () => hooks.delete(hook);
    },

    put(groupId, rule) {
      return insert(groupId, rule);
    },

    drop(groupId, ruleId) {
      const group = groupOf(groupId);
      group.rules = group.rules.filter((r) => r['SecurityGroupRuleId'] !== ruleId);
    },

    modify(groupId, ruleId, rule) {
      const group = groupOf(groupId);
      const index = group.rules.findIndex((r) => r['SecurityGroupRuleId'] === ruleId);
      if (index < 0) throw new Error(`no rule ${ruleId} in ${groupId}`);
      group.rules[index] = toRecord(rule, groupId, ruleId, scope.account);
    },

    mutations() {
      return adapter.calls.filter((c) => c.op !== 'read');
    },
  };
  return adapter;
}
