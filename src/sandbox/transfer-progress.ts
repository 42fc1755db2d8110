import { type Client } from '@temporalio/client';
import { renderTransferProgress } from '../cli/render/progress-bar';
import { queryManagerStatus } from '../temporal/manager-status';
import type { IngressStatus } from '../workflows/ingress/messages';

/** How often the sandbox asks the ingress managers how far their initial transfers are. */
const POLL_MS = 2_000;

/**
 * Prints a progress line (rows, chunks, rate, ETA) for each running initial transfer of the given ingress flows, and
 * one line when it is done; on a terminal the line is redrawn in place. Returns a function that stops following and
 * resolves once no query is in flight (then the client's connection may close).
 */
export function followInitialTransfers(
  client: Client,
  flows: readonly string[],
  write: (text: string) => void,
  isTty: boolean
): () => Promise<void> {
  const shown = new Map<string, string>();
  let stopped = false;
  let pending: Promise<void> | undefined;
  const poll = async (): Promise<void> => {
    for (const flow of flows) {
      if (stopped) return;
      const answer = await queryManagerStatus(client, flow);
      if (stopped || !answer.ok) continue;
      const status = answer.status as unknown as IngressStatus;
      const line = status.transfer ? `${flow} initial transfer ${renderTransferProgress(status.transfer)}` : undefined;
      const last = shown.get(flow);
      if (line && line !== last) {
        write(isTty ? `\r\x1b[2K${line}` : `${line}\n`);
        shown.set(flow, line);
      } else if (!line && last !== undefined && status.initialTransferDone) {
        write(`${isTty ? '\n' : ''}${flow}: initial transfer done; incremental sync every pass from now on\n`);
        shown.delete(flow);
      }
    }
  };
  const timer = setInterval(() => {
    pending ??= poll().finally(() => (pending = undefined));
  }, POLL_MS);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await pending;
  };
}
