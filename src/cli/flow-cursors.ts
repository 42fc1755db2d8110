import { managerWorkflowId } from '../temporal/flow-ids';
import { type VerifyScope } from '../sync/verify';
import { managerStateQuery } from '../workflows/steering';
import { connectClient } from './temporal-client';

/** How long verify waits for the managers' state before it goes on without their cursors. */
const CURSOR_TIMEOUT_MS = 10_000;

/**
 * The ingress scopes with their flow's stored delta link (`unappliedSince`) and the rows it keeps waiting for a linked
 * record (`waitingKeys`), read from each manager's `managerState` query, so that verify counts what the flows have
 * read but not yet applied as pending rather than drift. Best effort:
 * without Temporal, a manager or a worker to answer, a scope goes as it came (the quiet period alone decides).
 */
export async function withFlowCursors(
  configFile: string | undefined,
  deployment: string | undefined,
  scopes: readonly VerifyScope[]
): Promise<{ scopes: VerifyScope[]; note?: string }> {
  if (!scopes.some((scope) => scope.kind === 'ingress')) return { scopes: [...scopes] };
  let connected: Awaited<ReturnType<typeof connectClient>>;
  try {
    connected = await connectClient(configFile);
  } catch (err) {
    return { scopes: [...scopes], note: `the flows' cursors are unknown (${(err as Error).message})` };
  }
  try {
    const withCursors = await Promise.all(
      scopes.map(async (scope): Promise<VerifyScope> => {
        if (scope.kind !== 'ingress') return scope;
        const handle = connected.client.workflow.getHandle(managerWorkflowId(`ingress:${scope.mapping}`, deployment));
        const state = await withTimeout(handle.query(managerStateQuery)).catch(() => undefined);
        const link = state?.deltaLink;
        const waiting = Array.isArray(state?.waiting)
          ? state.waiting.filter((key: unknown): key is string => typeof key === 'string')
          : [];
        return {
          ...scope,
          ...(typeof link === 'string' && link !== '' ? { unappliedSince: link } : {}),
          ...(waiting.length > 0 ? { waitingKeys: waiting } : {}),
        };
      })
    );
    return { scopes: withCursors };
  } finally {
    await connected.close();
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no worker answered')), CURSOR_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
