import { type Client } from '@temporalio/client';
import { allText } from './history-text';

/** A value that must not appear anywhere: a secret or a piece of personal data. */
export interface Needle {
  /** What it is, e.g. `contact email`; printed instead of the value. */
  label: string;
  value: string;
}

/** A place that was scanned and the text found there. */
export interface Haystack {
  where: string;
  texts: string[];
}

export interface Leak {
  label: string;
  where: string;
  /** A few characters around the hit, to find its origin. */
  context: string;
}

/**
 * Every needle found in every haystack. A needle matches only as a whole token (no letter or digit on either side),
 * so that the first name "Ada" is not found inside "Adapter".
 */
export function findLeaks(haystacks: readonly Haystack[], needles: readonly Needle[]): Leak[] {
  const leaks: Leak[] = [];
  const patterns = needles.map((needle) => ({
    needle,
    pattern: new RegExp(`(?<![A-Za-z0-9])${needle.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`),
  }));
  for (const haystack of haystacks) {
    const text = haystack.texts.join('\n');
    for (const { needle, pattern } of patterns) {
      const hit = pattern.exec(text);
      if (hit) {
        const context = text.slice(Math.max(0, hit.index - 60), hit.index + needle.value.length + 60);
        leaks.push({ label: needle.label, where: haystack.where, context });
      }
    }
  }
  return leaks;
}

/**
 * Everything Temporal keeps about the workflows of a task queue, as text: each run's full history (every event,
 * every payload read as UTF-8, failures, memos, search attributes) and its description (current memo and search
 * attributes, pending activities with their heartbeat details and last failures).
 */
export async function temporalHaystacks(client: Client, taskQueue: string): Promise<Haystack[]> {
  const haystacks: Haystack[] = [];
  for await (const execution of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
    const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
    const where = `${execution.type} ${execution.workflowId} (run ${execution.runId})`;
    haystacks.push({ where: `${where}: history`, texts: allText(await handle.fetchHistory()) });
    haystacks.push({ where: `${where}: description`, texts: allText((await handle.describe()).raw) });
  }
  return haystacks;
}

/** The needles of a secret: the whole value, and each line of a multi-line one (a PEM key logged line by line). */
export function secretNeedles(label: string, secret: string): Needle[] {
  const lines = secret
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length >= 16 && !line.startsWith('-----'));
  return [
    { label, value: secret.trim() },
    ...lines.map((value, index) => ({ label: `${label} line ${index + 1}`, value })),
  ];
}
