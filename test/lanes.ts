// The test lanes (vitest projects in vitest.config.ts). `unit` is the fast lane a developer runs
// while editing (`npm run test:unit`): the files listed here, which start no server and no child
// process: no moto, no dynalite, no loopback fake, no CLI subprocess. Every other test file runs in
// `integration` (`npm run test:integration`); `npm test` runs both.
//
// A new test file lands in `integration` until it is listed here. test/test-lanes.test.ts checks
// that every listed file, and every test/ helper it imports, stays clear of what starts a server or
// a process.

export const UNIT_TEST_FILES = [
  'test/accepted-findings-legacy-fingerprints.test.ts',
  'test/address.test.ts',
  'test/app-finish-run.test.ts',
  'test/app-slack-jobs.test.ts',
  'test/app-layer-boundaries.test.ts',
  'test/aws-corpus.test.ts',
  'test/check-registry.test.ts',
  'test/checks.test.ts',
  'test/compliance-evaluate.test.ts',
  'test/evaluator-matches-reference.test.ts',
  'test/explain.test.ts',
  'test/fingerprint-prefix.test.ts',
  'test/fingerprint-stability.test.ts',
  'test/finding-reach-sample.test.ts',
  'test/fix-interface-proof-matches-reference.test.ts',
  'test/functions-batch.test.ts',
  'test/interface-evaluate.test.ts',
  'test/interface-evaluator-matches-reference.test.ts',
  'test/layers.test.ts',
  'test/live-estate.test.ts',
  'test/merge-interfaces.test.ts',
  'test/network-retry-unified.test.ts',
  'test/normalize-address-sets.test.ts',
  'test/normalize-alibaba-interfaces.test.ts',
  'test/normalize-alibaba.test.ts',
  'test/normalize-aws-interfaces.test.ts',
  'test/normalize-aws.test.ts',
  'test/normalize-huawei-v3.test.ts',
  'test/normalize-otc-neutron.test.ts',
  'test/observability.test.ts',
  'test/provider-modules.test.ts',
  'test/provider-semantics.test.ts',
  'test/readme-layout.test.ts',
  'test/realtime-alibaba.test.ts',
  'test/realtime-cloudtrail.test.ts',
  'test/realtime-smn.test.ts',
  'test/remediation-apply.test.ts',
  'test/remediation-plan.test.ts',
  'test/remediation-property.test.ts',
  'test/schedule-provider-keys.test.ts',
  'test/slack-approver-middleware.test.ts',
  'test/slack-blocks.test.ts',
  'test/snapshot-json-text.test.ts',
  'test/store-conditional-write.test.ts',
  'test/severity-follows-reachability.test.ts',
  'test/test-lanes.test.ts',
];
