import type { Provider } from '../src/model/types.ts';
import { alibabaModule } from './alibaba/index.ts';
import { awsModule } from './aws/index.ts';
import { huaweiModule } from './huawei/index.ts';
import { otcModule } from './otc/index.ts';
import type { ProviderModule } from './provider-module.ts';

/** Each cloud's module, by name: the adapter registry and the page-kind list derive from it. A new cloud is one line here. */
export const PROVIDER_MODULES: { readonly [P in Provider]: ProviderModule<P> } = {
  aws: awsModule,
  alibaba: alibabaModule,
  huawei: huaweiModule,
  otc: otcModule,
};

/** The module of a name read from outside (a URL path, a file), or undefined when it names no cloud. */
export function providerModuleNamed(name: string): ProviderModule | undefined {
  return Object.hasOwn(PROVIDER_MODULES, name) ? PROVIDER_MODULES[name as Provider] : undefined;
}
