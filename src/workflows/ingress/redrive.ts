import { workflowInfo } from '@temporalio/workflow';
import { addCounts, ZERO_COUNTS, type IngressCounts } from '../../sync/ingress/counts';
import { withPassRecord } from '../pass-record';
import { control, pageCall, pages } from './proxies';

export interface IngressRedriveInput {
  mapping: string;
  /** Rejects report file names under `<reports.folder>/ingress/<mapping>/`. */
  reports: string[];
}

export interface IngressRedriveResult {
  keys: number;
  unkeyed: number;
  counts: IngressCounts;
  /** The report of the records still rejected (absent when none were). */
  rejectsReport?: string;
}

/**
 * Re-drives rejects reports after a fix (`acs-d365 rejects <flow> --redrive`, workflow id
 * `ingress:<mapping>:redrive:<time>`): one activity per report, writes by key, so it is safe next to running passes.
 */
export async function ingressRedriveWorkflow(input: IngressRedriveInput): Promise<IngressRedriveResult> {
  let counts: IngressCounts = { ...ZERO_COUNTS };
  return await withPassRecord(
    async () => {
      const reportId = `${input.mapping}-redrive-${workflowInfo().runId.slice(0, 8)}`;
      let keys = 0;
      let unkeyed = 0;
      for (const [index, report] of input.reports.entries()) {
        const result = await pages.redriveIngressRejects.executeWithOptions(
          pageCall(`report ${index + 1} of ${input.reports.length}`),
          [{ mapping: input.mapping, report, reportId }]
        );
        keys += result.keys;
        unkeyed += result.unkeyed;
        counts = addCounts(counts, result.counts);
      }
      if (counts.rejected > 0) await control.publishRejectsReport({ mapping: input.mapping, reportId });
      return { keys, unkeyed, counts, ...(counts.rejected > 0 ? { rejectsReport: `${reportId}.csv` } : {}) };
    },
    () => counts
  );
}
