import { ApplicationFailure, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import { addCounts, ZERO_COUNTS, type IngressCounts } from '../../sync/ingress/counts';
import { withPassRecord } from '../pass-record';
import { control, pageCall, pages } from './proxies';
import { D365_PROTOCOL_ERROR, isDeltaTokenExpiredType } from '../../sync/failure-types';

export interface IngressPassInput {
  mapping: string;
  pass: number;
  /** Where the changes since the last pass are read. */
  deltaLink: string;
  /** Rows earlier passes left waiting for a linked record (D365 ids): looked at again first. */
  waiting?: string[];
}

export type IngressPassResult = (
  | { outcome: 'applied'; deltaLink: string; pages: number; counts: IngressCounts }
  | { outcome: 'delta-token-expired'; pages: number; counts: IngressCounts }
) & {
  /** Rows still waiting for a linked record: the next pass looks at them again. */
  waiting?: string[];
};

/**
 * The most rows a mapping keeps waiting for a linked record (about 40 bytes each in history, carried from pass to
 * pass). Past it a row is rejected instead, with a reason that says so (its report can be re-driven).
 */
export const MAX_WAITING_ROWS = 1_000;
/** Waiting rows looked at per activity call. */
const REVISIT_PER_CALL = 250;

/**
 * One incremental pass: read the delta pages one by one, apply each to Campaign, and only then hand back the new
 * delta link (a cursor moves only after the writes it covers are durable).
 */
export async function ingressPassWorkflow(input: IngressPassInput): Promise<IngressPassResult> {
  let counts: IngressCounts = { ...ZERO_COUNTS };
  return await withPassRecord(
    async () => {
      const reportId = `${input.mapping}-pass-${input.pass}-${workflowInfo().runId.slice(0, 8)}`;
      const waiting = new Set<string>();
      const stillWaiting = (): { waiting?: string[] } => (waiting.size > 0 ? { waiting: [...waiting] } : {});
      const earlier = input.waiting ?? [];
      for (let start = 0; start < earlier.length; start += REVISIT_PER_CALL) {
        const keys = earlier.slice(start, start + REVISIT_PER_CALL);
        const revisit = await pages.revisitWaitingRows.executeWithOptions(
          pageCall(`${keys.length} rows waiting for a linked record`),
          [{ mapping: input.mapping, keys, reportId, waitingRoom: MAX_WAITING_ROWS - waiting.size }]
        );
        counts = addCounts(counts, revisit.counts);
        for (const key of revisit.waiting) waiting.add(key);
      }
      let link: string | undefined = input.deltaLink;
      for (let pageNumber = 1; ; pageNumber++) {
        let page;
        try {
          page = await pages.syncIngressPage.executeWithOptions(pageCall(`page ${pageNumber}`), [
            {
              mapping: input.mapping,
              mode: 'incremental',
              link,
              reportId,
              waitingRoom: MAX_WAITING_ROWS - waiting.size,
            },
          ]);
        } catch (err) {
          if (isDeltaTokenExpired(err))
            return { outcome: 'delta-token-expired', pages: pageNumber - 1, counts, ...stillWaiting() } as const;
          throw err;
        }
        counts = addCounts(counts, page.counts);
        for (const key of page.waiting ?? []) waiting.add(key);
        setCurrentDetails(`page ${pageNumber}: ${counts.read} changes read`);
        if (page.deltaLink) {
          if (counts.rejected > 0) await control.publishRejectsReport({ mapping: input.mapping, reportId });
          return {
            outcome: 'applied',
            deltaLink: page.deltaLink,
            pages: pageNumber,
            counts,
            ...stillWaiting(),
          } as const;
        }
        if (!page.nextLink) {
          throw ApplicationFailure.nonRetryable(
            'D365 ended a change-tracking read without a delta link',
            D365_PROTOCOL_ERROR
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
  return cause instanceof ApplicationFailure && isDeltaTokenExpiredType(cause.type);
}
