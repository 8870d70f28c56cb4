import { descriptorNamed } from '../model/providers/index.ts';
import type { WardenConfig } from './schema.ts';

/**
 * The config narrowed to one scan scope, reached through `role` (a member account's WardenAudit or
 * WardenApply role) or the default credentials, as the scope's cloud narrows its section (AWS: one
 * account and region, with no Organizations discovery); unchanged for a cloud that does not narrow.
 */
export function configForScope(
  config: WardenConfig,
  scope: { provider: string; account: string; region: string },
  role: { roleArn?: string; externalId?: string } | undefined,
): WardenConfig {
  const descriptor = descriptorNamed(scope.provider);
  const section = descriptor && config.providers[descriptor.name];
  if (!descriptor?.sectionForScope || !section) return config;
  return {
    ...config,
    providers: { ...config.providers, [descriptor.name]: descriptor.sectionForScope(section, scope, role) },
  };
}
