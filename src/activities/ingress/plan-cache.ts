import { ApplicationFailure } from '@temporalio/common';
import { type IngressDependencies, type ResolvedMapping, resolveMapping } from './resolve';
import { CONFIG_ERROR } from '../../sync/failure-types';

/**
 * Resolved mappings by name, built once per worker process (metadata is read once, not per page). A failed resolution
 * is not kept, so the next call reads the metadata again; preflight replaces the entry with what it just checked.
 * A configuration reload needs a new worker process (or a new cache).
 */
export class PlanCache {
  private readonly entries = new Map<string, Promise<ResolvedMapping>>();

  constructor(private readonly deps: IngressDependencies) {}

  /** The resolved mapping; throws a non-retryable {@link CONFIG_ERROR} failure listing every problem. */
  get(name: string): Promise<ResolvedMapping> {
    let entry = this.entries.get(name);
    if (!entry) {
      const pending = this.resolve(name);
      this.entries.set(name, pending);
      pending.catch(() => {
        if (this.entries.get(name) === pending) this.entries.delete(name);
      });
      entry = pending;
    }
    return entry;
  }

  /** Keeps a mapping resolved elsewhere (by preflight). */
  set(resolved: ResolvedMapping): void {
    this.entries.set(resolved.mapping.name, Promise.resolve(resolved));
  }

  private async resolve(name: string): Promise<ResolvedMapping> {
    const resolution = await resolveMapping(this.deps, name);
    if (resolution.ok) return resolution.resolved;
    throw ApplicationFailure.nonRetryable(
      `ingress mapping ${name} does not match D365 or Campaign: ` +
        resolution.problems.map((problem) => `${problem.path}: ${problem.message}`).join('; '),
      CONFIG_ERROR
    );
  }
}
