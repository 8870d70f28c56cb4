import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DECLARED_KIND_FIELD, snapshotPage } from '../adapters/page-kinds.ts';
import { readSnapshotDocument } from '../adapters/snapshot/load.ts';
import { runWarden } from './support/cli.ts';

// An empty DescribeEciScalingConfigurations page has the very shape of an empty
// DescribeScalingConfigurations page. Read by shape, a snapshot would say the ECI listing was not
// read where the live audit said it was (test/address-sets-end-to-end.test.ts audits both ways and
// failed on that). `warden snapshot` therefore declares the kind of a page its shape does not tell.

const scratch = mkdtempSync(join(tmpdir(), 'warden-declared-kind-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const EMPTY = {
  RequestId: 'r-1',
  TotalCount: 0,
  PageNumber: 1,
  PageSize: 50,
  ScalingConfigurations: { ScalingConfiguration: [] },
};
const ECI = 'alibaba:DescribeEciScalingConfigurations';
const ECS = 'alibaba:DescribeScalingConfigurations';
const ctx = { provider: 'alibaba', account: '1234567890123456', region: 'cn-hangzhou' };

describe('a snapshot page declares its kind where its shape does not tell it', () => {
  it('only an empty ECI page gets the declaration; pages whose shape tells their kind are written as read', () => {
    expect(snapshotPage('alibaba', ECI, EMPTY)).toEqual({ ...EMPTY, [DECLARED_KIND_FIELD]: ECI });
    expect(snapshotPage('alibaba', ECS, EMPTY)).toBe(EMPTY);
    const eci = {
      ...EMPTY,
      TotalCount: 1,
      ScalingConfigurations: {
        ScalingConfiguration: [
          { ScalingConfigurationId: 'asc-1', ContainerGroupName: 'pods', SecurityGroupId: 'sg-1' },
        ],
      },
    };
    expect(snapshotPage('alibaba', ECI, eci)).toBe(eci);
  });

  it('the loader reads a declared page as that kind: the ECI listing counts as read', () => {
    const read = (page: unknown) => readSnapshotDocument({ ...ctx, pages: [page] }, 'scope.json');
    expect(read(snapshotPage('alibaba', ECI, EMPTY))[0]?.groupUseListings).toEqual([
      { provider: 'alibaba', kind: 'eci-scaling-configuration' },
    ]);
    expect(read(EMPTY)[0]?.groupUseListings).toEqual([{ provider: 'alibaba', kind: 'scaling-configuration' }]);
  });

  it('a kind this version does not know is one line naming the page, exit 2', async () => {
    const file = join(scratch, 'unknown-kind.json');
    writeFileSync(
      file,
      JSON.stringify({ ...ctx, pages: [{ ...EMPTY, [DECLARED_KIND_FIELD]: 'alibaba:DescribeSomethingElse' }] }),
    );
    const run = await runWarden(['audit', '--source', file]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`${file}: pages[0]: not an alibaba API response this version reads`);
  });
});
