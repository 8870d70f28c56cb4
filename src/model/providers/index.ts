import type { SecurityGroup } from '../types.ts';
import { alibaba } from './alibaba.ts';
import { aws } from './aws.ts';
import type { Capabilities, ProviderDescriptor } from './descriptor.ts';
import { huawei } from './huawei.ts';
import { otc } from './otc.ts';

export type { Capabilities, MultiGroup, ProviderDescriptor } from './descriptor.ts';

/** The one list of clouds: `Provider`, `PROVIDERS`, the config and queue enums and the adapter registry derive from it. */
export const PROVIDER_DESCRIPTORS = [aws, alibaba, huawei, otc] as const;

export type Provider = (typeof PROVIDER_DESCRIPTORS)[number]['name'];
export const PROVIDERS: readonly Provider[] = PROVIDER_DESCRIPTORS.map((d) => d.name);

type Descriptors = (typeof PROVIDER_DESCRIPTORS)[number];

/** The shape of the config's `providers` section: each cloud's own schema under its name. */
export const PROVIDER_CONFIG_SHAPE = Object.fromEntries(PROVIDER_DESCRIPTORS.map((d) => [d.name, d.configSchema])) as {
  [D in Descriptors as D['name']]: D['configSchema'];
};

/** Every cloud's credential variables (the functions read them from SSM). */
export const PROVIDER_SECRET_NAMES: readonly string[] = PROVIDER_DESCRIPTORS.flatMap((d) => d.secretNames);

const BY_NAME = new Map<string, ProviderDescriptor<Provider>>(PROVIDER_DESCRIPTORS.map((d) => [d.name, d]));

export function descriptorOf(provider: Provider): ProviderDescriptor<Provider> {
  return BY_NAME.get(provider) as ProviderDescriptor<Provider>;
}

/** The descriptor of a name read from outside, or undefined when it names no cloud. */
export function descriptorNamed(name: string): ProviderDescriptor<Provider> | undefined {
  return BY_NAME.get(name);
}

/** What the API the group was read through can express. */
export function capabilitiesOf(group: Pick<SecurityGroup, 'provider' | 'api'>): Capabilities {
  const descriptor = descriptorOf(group.provider);
  return (descriptor.apis[group.api ?? descriptor.defaultApi] ??
    descriptor.apis[descriptor.defaultApi]) as Capabilities;
}

/** A priority only the cloud itself puts rules at (Alibaba's default rules): the API refuses it. */
export function isSystemPriority(capabilities: Capabilities, priority: number): boolean {
  return capabilities.systemPriority !== undefined && priority > capabilities.priorities.max;
}
