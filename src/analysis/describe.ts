import { portsLabel, protocolLabel } from '../model/protocol.ts';
import type { Peer, Rule } from '../model/types.ts';
import { isImplicit } from './semantics.ts';

const SERVICES: Record<number, string> = {
  20: 'FTP data',
  21: 'FTP',
  22: 'SSH',
  23: 'Telnet',
  25: 'SMTP',
  110: 'POP3',
  135: 'MS RPC',
  143: 'IMAP',
  445: 'SMB',
  1433: 'MS SQL',
  1434: 'MS SQL browser',
  1521: 'Oracle',
  2483: 'Oracle',
  3000: 'dev servers / Grafana',
  3306: 'MySQL',
  3389: 'RDP',
  4333: 'mSQL',
  5000: 'dev servers',
  5432: 'PostgreSQL',
  5500: 'VNC',
  5601: 'Kibana',
  6379: 'Redis',
  7199: 'Cassandra JMX',
  8080: 'HTTP proxy/alt',
  8088: 'Hadoop YARN',
  8888: 'HTTP alt',
  9092: 'Kafka',
  9160: 'Cassandra Thrift',
  9200: 'Elasticsearch',
  9300: 'Elasticsearch',
  11211: 'Memcached',
  27017: 'MongoDB',
  27018: 'MongoDB',
};

export function serviceName(port: number): string | undefined {
  return SERVICES[port];
}

export function describePeer(peer: Peer): string {
  switch (peer.kind) {
    case 'cidr':
      return peer.cidr;
    case 'group':
      return peer.self ? 'this group' : `group ${peer.account ? `${peer.account}/` : ''}${peer.groupId}`;
    case 'prefix-list':
      return `prefix list ${peer.id}`;
    case 'address-group':
      return `address group ${peer.id}`;
  }
}

const described = new WeakMap<Rule, string>();

/** One line for a rule: `sgr-1 (allow tcp/22 from 0.0.0.0/0, priority 1)`. Findings name the same rules often. */
export function describeRule(rule: Rule): string {
  let text = described.get(rule);
  if (text === undefined) {
    text = describeRuleUncached(rule);
    described.set(rule, text);
  }
  return text;
}

function describeRuleUncached(rule: Rule): string {
  const ports = rule.ports.map((r) => portsLabel(rule.protocol, r)).join(',');
  const what = rule.protocol === 'all' ? 'all traffic' : `${protocolLabel(rule.protocol)}/${ports}`;
  const way = rule.direction === 'ingress' ? 'from' : 'to';
  // An implicit rule has no id and no priority a user could see: its priority only ranks it below every listed rule.
  if (isImplicit(rule)) return `the implicit default rule (${rule.action} ${what} ${way} ${describePeer(rule.peer)})`;
  const priority = rule.priority === 1 && rule.action === 'allow' ? '' : `, priority ${rule.priority}`;
  return `${rule.native.ruleId} (${rule.action} ${what} ${way} ${describePeer(rule.peer)}${priority})`;
}

export function percent(share: number): string {
  if (share >= 1) return '100%';
  if (share >= 0.999) return '>99.9%';
  return `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`;
}

/** 1048576 → "1,048,576" (toLocaleString goes through ICU, which costs more than the whole check). */
export function thousands(value: number | bigint): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `1 group`, `2 groups`, `1,000 rules`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${thousands(n)} ${n === 1 ? one : many}`;
}
