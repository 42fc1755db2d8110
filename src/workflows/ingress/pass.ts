import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { addCounts, ZERO_COUNTS, type IngressCounts } from '../../sync/ingress/counts';
import { control, pages } from './proxies';

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
  const reportId = `${input.mapping}-pass-${input.pass}-${workflowInfo().runId.slice(0, 8)}`;
  let link: string | undefined = input.deltaLink;
  let counts: IngressCounts = { ...ZERO_COUNTS };
  let pageCount = 0;
  for (;;) {
    let page;
    try {
      page = await pages.syncIngressPage({ mapping: input.mapping, mode: 'incremental', link, reportId });
    } catch (err) {
      if (isDeltaTokenExpired(err)) return { outcome: 'delta-token-expired', pages: pageCount, counts };
      throw err;
    }
    pageCount += 1;
    counts = addCounts(counts, page.counts);
    if (page.deltaLink) {
      if (counts.rejected > 0) await control.publishRejectsReport({ mapping: input.mapping, reportId });
      return { outcome: 'applied', deltaLink: page.deltaLink, pages: pageCount, counts };
    }
    if (!page.nextLink) {
      throw ApplicationFailure.nonRetryable(
        'D365 ended a change-tracking read without a delta link',
        'IngressProtocolError'
      );
    }
    link = page.nextLink;
  }
}

function isDeltaTokenExpired(err: unknown): boolean {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure && cause.type === 'DeltaTokenExpired';
}
