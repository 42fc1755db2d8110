import { type Payload } from '@temporalio/common';
import { type temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

/**
 * Every payload in a history (inputs, results, heartbeats, memos, failure details), and separately those of its
 * search attributes (which Temporal never passes through a codec).
 */
export function historyPayloads(history: History): { coded: Payload[]; searchAttributes: Payload[] } {
  const coded: Payload[] = [];
  const searchAttributes: Payload[] = [];
  walk(history, function visit(value, key): boolean {
    if (key === 'searchAttributes') {
      walk(value, (node) => isPayload(node) && searchAttributes.push(node) > 0);
      return true;
    }
    if (!isPayload(value)) return false;
    coded.push(value);
    return true;
  });
  return { coded, searchAttributes };
}

/**
 * Every string in a value, with each byte field (payload data, metadata values) read as UTF-8: what someone reading
 * the history, a memo or a search attribute in the Web UI or the database could see.
 */
export function allText(value: unknown): string[] {
  const texts: string[] = [];
  walk(value, (node) => {
    if (typeof node === 'string') texts.push(node);
    else if (node instanceof Uint8Array) texts.push(Buffer.from(node).toString('utf8'));
    else return false;
    return true;
  });
  return texts;
}

/** Depth-first walk over own properties; `visit` returns true when it consumed a node (no descent). */
function walk(
  value: unknown,
  visit: (node: unknown, key?: string) => boolean,
  key?: string,
  seen = new Set<unknown>()
): void {
  if (visit(value, key) || value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  for (const [childKey, child] of Object.entries(value)) walk(child, visit, childKey, seen);
}

/** A payload always says its encoding in its metadata (its data may be absent when empty). */
function isPayload(value: unknown): value is Payload {
  const metadata = (value as Payload | null)?.metadata;
  return typeof value === 'object' && metadata?.encoding instanceof Uint8Array;
}
