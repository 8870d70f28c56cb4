import type { CheckId } from '../../model/check-ids.ts';
import { AWS_SECURITY_HUB } from './frameworks/aws-security-hub.ts';
import { CIS_ALIBABA } from './frameworks/cis-alibaba.ts';
import { CIS_AWS } from './frameworks/cis-aws.ts';
import { HUAWEI_RECOMMENDATIONS } from './frameworks/huawei.ts';
import { OTC_RECOMMENDATIONS } from './frameworks/otc.ts';
import type { ControlRef, Framework } from './types.ts';

export type { Control, ControlRef, Framework, FrameworkSource } from './types.ts';

/** Every framework Warden maps its checks to, in the order `warden compliance` lists them. */
export const FRAMEWORKS: readonly Framework[] = [
  CIS_AWS,
  AWS_SECURITY_HUB,
  CIS_ALIBABA,
  HUAWEI_RECOMMENDATIONS,
  OTC_RECOMMENDATIONS,
];

/** The framework with this id, or undefined. */
export function frameworkById(id: string): Framework | undefined {
  return FRAMEWORKS.find((f) => f.id === id);
}

const REFS_BY_CHECK: ReadonlyMap<CheckId, readonly ControlRef[]> = (() => {
  const refs = new Map<CheckId, ControlRef[]>();
  for (const framework of FRAMEWORKS) {
    for (const control of framework.controls) {
      const ref = { framework: framework.id, version: framework.version, control: control.id, title: control.title };
      for (const check of control.checks) refs.set(check, [...(refs.get(check) ?? []), ref]);
    }
  }
  return refs;
})();

/** The controls a check's findings evidence, in framework then control order; none for an unmapped check. */
export function controlsOf(checkId: CheckId): readonly ControlRef[] {
  return REFS_BY_CHECK.get(checkId) ?? [];
}
