import { canonicalCidr } from '../../src/model/address.ts';
import { ALL_PORTS, hasPorts } from '../../src/model/protocol.ts';
import type { AddressSet, Peer, PortRange, Rule, SecurityGroup } from '../../src/model/types.ts';

let counter = 0;

/** A rule in the shared model from a compact spec; unspecified fields take the common case. */
export function rule(
  spec: Partial<Omit<Rule, 'peer' | 'ports' | 'native'>> & {
    peer?: Peer | string;
    ports?: PortRange[] | number | [number, number];
    id?: string;
  },
): Rule {
  const protocol = spec.protocol ?? 'tcp';
  const peer: Peer =
    typeof spec.peer === 'string' || spec.peer === undefined
      ? { kind: 'cidr', cidr: canonicalCidr(spec.peer ?? '0.0.0.0/0') as string }
      : spec.peer;
  let ports: PortRange[];
  if (typeof spec.ports === 'number') ports = [{ from: spec.ports, to: spec.ports }];
  else if (Array.isArray(spec.ports) && typeof spec.ports[0] === 'number')
    ports = [{ from: spec.ports[0] as number, to: spec.ports[1] as number }];
  else if (Array.isArray(spec.ports)) ports = spec.ports as PortRange[];
  else ports = [ALL_PORTS];
  if (!hasPorts(protocol) && spec.ports === undefined) ports = [ALL_PORTS];
  const family = spec.family ?? (peer.kind === 'cidr' && peer.cidr.includes(':') ? 'ipv6' : 'ipv4');
  const id = spec.id ?? `r${++counter}`;
  return {
    direction: spec.direction ?? 'ingress',
    action: spec.action ?? 'allow',
    priority: spec.priority ?? 1,
    family,
    protocol,
    ports,
    peer,
    enabled: spec.enabled ?? true,
    description: spec.description ?? 'test rule',
    native: { ruleId: id, derivedId: false, raw: null },
  };
}

export function group(spec: Partial<SecurityGroup> & { rules: Rule[] }): SecurityGroup {
  return {
    provider: spec.provider ?? 'huawei',
    account: spec.account ?? 'acct',
    region: spec.region ?? 'region-1',
    vpcId: spec.vpcId ?? 'vpc-1',
    id: spec.id ?? 'sg-1',
    name: spec.name ?? 'test-group',
    description: spec.description ?? '',
    ...spec,
  };
}

/** An address set (a Huawei address group unless `extra` says otherwise); without entries, one that could not be read. */
export function addressSet(id: string, entries: string[] | undefined, extra: Partial<AddressSet> = {}): AddressSet {
  return {
    provider: 'huawei',
    account: 'acct',
    region: 'region-1',
    kind: 'address-group',
    id,
    name: id,
    family: 'ipv4',
    ...(entries ? { entries } : { unresolved: 'Forbidden' }),
    providerManaged: false,
    ...extra,
  };
}
