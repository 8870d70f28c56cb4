// The templates Warden ships, by id: what the config may assign to a group. The templates' rows are
// in src/analysis/templates/catalog.ts, which does not compile unless its templates are exactly these ids.

/** Every built-in template id, in the order `warden templates` lists them. */
export const BUILT_IN_TEMPLATE_IDS = [
  'huawei-default',
  'huawei-sys-webserver',
  'huawei-sys-fullaccess',
  'otc-default',
  'alibaba-default',
  'aws-default-cis',
] as const;

export type BuiltInTemplateId = (typeof BUILT_IN_TEMPLATE_IDS)[number];
