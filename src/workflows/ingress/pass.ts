import { ApplicationFailure, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import { addCounts, ZERO_COUNTS, type IngressCounts } from '../../sync/ingress/counts';
import { withPassRecord } from '../pass-record';
import { control, pageCall, pages } from './proxies';

export interface IngressPassInput {
  mapping: string;
  pass: number;
  /** Where the changes since the last pass are read. */
  deltaLink: string;
}

export type IngressPassResult =
  | { outcome: 'applied'; deltaLink: string; pages: number; counts: IngressCounts }
  | { outcome: 'delta-token-expired'; pages: number; counts: IngressCounts };

/**
 * One incremental pass: read the delta pages one by one, apply each to Campaign, and only then hand back the new
 * delta link (a cursor moves only after the writes it covers are durable).
 */
export async function ingressPassWorkflow(input: IngressPassInput): Promise<IngressPassResult> {
  let counts: IngressCounts = { ...ZERO_COUNTS };
  return await withPassRecord(
    async () => {
      const reportId = `${input.mapping}-pass-${input.pass}-${workflowInfo().runId.slice(0, 8)}`;
      let link: string | undefined = input.deltaLink;
      for (let pageNumber = 1; ; pageNumber++) {
        let page;
        try {
          page = await pages.syncIngressPage.executeWithOptions(pageCall(`page ${pageNumber}`), [
            { mapping: input.mapping, mode: 'incremental', link, reportId },
          ]);
        } catch (err) {
          if (isDeltaTokenExpired(err))
            return { outcome: 'delta-token-expired', pages: pageNumber - 1, counts } as const;
          throw err;
        }
        counts = addCounts(counts, page.counts);
        setCurrentDetails(`page ${pageNumber}: ${counts.read} changes read`);
        if (page.deltaLink) {
          if (counts.rejected > 0) await control.publishRejectsReport({ mapping: input.mapping, reportId });
          return { outcome: 'applied', deltaLink: page.deltaLink, pages: pageNumber, counts } as const;
        }
        if (!page.nextLink) {
          throw ApplicationFailure.nonRetryable(
            'D365 ended a change-tracking read without a delta link',
            'IngressProtocolError'
          );
        }
        link = page.nextLink;
      }
    },
    () => ({ ...counts })
  );
}

function isDeltaTokenExpired(err: unknown): boolean {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure && cause.type === 'DeltaTokenExpired';
}
