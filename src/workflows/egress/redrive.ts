import { workflowInfo } from '@temporalio/workflow';
import type { EgressCounts } from '../../sync/egress/counts';
import { sumCounts } from '../../sync/sum-counts';
import { withPassRecord } from '../pass-record';
import { control, sliceCall, slices } from './proxies';

export interface EgressRedriveInput {
  /** Rejects report file names under `<reports.folder>/egress/`. */
  reports: string[];
}

export interface EgressRedriveResult {
  lines: number;
  wholeFile: number;
  counts?: EgressCounts;
  /** The report of the events still rejected (absent when none were). */
  rejectsReport?: string;
}

/**
 * Re-drives egress rejects reports after a fix (`acs-d365 rejects egress --redrive`, workflow id
 * `egress:redrive:<time>`): one activity per report, keyed by event id, so it is safe next to running passes.
 */
export async function egressRedriveWorkflow(input: EgressRedriveInput): Promise<EgressRedriveResult> {
  const tally: { counts?: EgressCounts } = {};
  return await withPassRecord(
    async () => {
      const reportId = `egress-redrive-${workflowInfo().runId.slice(0, 8)}`;
      let lines = 0;
      let wholeFile = 0;
      for (const [index, report] of input.reports.entries()) {
        const result = await slices.redriveEgressRejects.executeWithOptions(
          sliceCall(`report ${index + 1} of ${input.reports.length}`),
          [{ report, reportId }]
        );
        lines += result.lines;
        wholeFile += result.wholeFile;
        tally.counts = tally.counts ? sumCounts(tally.counts, result.counts) : result.counts;
      }
      const rejected = tally.counts?.rejected ?? 0;
      if (rejected > 0) await control.publishEgressRejects({ reportId });
      return {
        lines,
        wholeFile,
        ...(tally.counts ? { counts: tally.counts } : {}),
        ...(rejected > 0 ? { rejectsReport: `${reportId}.csv` } : {}),
      };
    },
    () => tally.counts
  );
}
