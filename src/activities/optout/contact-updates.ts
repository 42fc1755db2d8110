import { type BatchResult, DynamicsApiError, type DynamicsClient, entityPath } from '../../connectors/dynamics';
import { type AuditRow } from './audit-report';
import { type OptOutCounts } from './contracts';
import { CONTACTS_SET } from './settings';

/** Contact updates per `$batch`: small enough that one batch's server time stays short, large enough to save requests. */
export const CONTACT_UPDATES_PER_BATCH = 100;

/** Statuses with which D365 refuses one record's write (not a service problem, which the slice retries). */
const RECORD_REFUSED = new Set([400, 403, 404, 412]);

interface Update {
  contactId: string;
  values: Record<string, boolean>;
  /** The audit rows the update carries out; kept only once it is written. */
  audit: AuditRow[];
}

/**
 * The D365 contact updates of one activity call, sent in `$batch` requests of {@link CONTACT_UPDATES_PER_BATCH}
 * (several in flight: the D365 client's concurrency controller paces them) instead of one request per contact. A
 * refused update is audited as rejected, as a single one was; an update the batch could not run (429, 5xx) is sent
 * again on its own with the client's retry rules. The call returns only after {@link flush}, so its cursor moves
 * only once every update is written.
 */
export class ContactUpdates {
  private pending: Update[] = [];
  /** Contacts whose update is queued or in flight, with the send that writes it. */
  private readonly writing = new Map<string, Promise<void>>();
  private readonly sends = new Set<Promise<void>>();
  /** The first batch that failed: no more updates are queued after it. */
  private failure: { reason: unknown } | undefined;

  constructor(
    private readonly dynamics: DynamicsClient,
    private readonly scope: { counts: OptOutCounts; audit: AuditRow[] },
    private readonly perBatch = CONTACT_UPDATES_PER_BATCH
  ) {}

  /**
   * Queues an update and sends a batch once enough are queued, without waiting for it: the caller goes on deciding
   * (Campaign lookups) while D365 writes. It waits only while one batch more than the controller lets out at once is
   * out, so one is ready when a slot frees, yet a contact read queues behind one batch at most. Throws once a batch
   * has failed.
   */
  async add(update: Update): Promise<void> {
    // Two updates of one contact never share a batch: the first must land before the second is decided.
    await this.written(update.contactId);
    this.throwIfFailed();
    this.pending.push(update);
    if (this.pending.length < this.perBatch) return;
    void this.send().catch(() => undefined); // kept in `failure`, thrown by the next add or by flush
    while (this.sends.size > Math.max(1, this.dynamics.concurrency.limit)) {
      await Promise.race(this.sends).catch(() => undefined);
      this.throwIfFailed();
    }
  }

  /** Waits until the contact's queued update, if any, is written: a read after it sees the new values. */
  async written(contactId: string): Promise<void> {
    if (this.pending.some((update) => update.contactId === contactId)) await this.send();
    await this.writing.get(contactId);
  }

  /**
   * Waits for `work` (the calls that queue updates), then sends what is queued and waits until every update is
   * written. When `work` fails, nothing more is sent and the failure is thrown once the batches in flight have
   * settled, so no write outlives the activity attempt.
   */
  async completeAfter(work: Promise<void>): Promise<void> {
    try {
      await work;
    } catch (error) {
      await Promise.allSettled([...this.sends]);
      throw error;
    }
    await this.flush();
  }

  /** Sends what is queued and waits for every update to be written; throws the first failure. */
  async flush(): Promise<void> {
    if (this.pending.length > 0) void this.send().catch(() => undefined);
    await Promise.allSettled([...this.sends]);
    // Also a batch that failed and settled while the caller was still queuing.
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.reason;
  }

  private send(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const written = this.write(batch).catch((error: unknown) => {
      this.failure ??= { reason: error };
      throw error;
    });
    const sent: Promise<void> = written.finally(() => {
      this.sends.delete(sent);
      for (const update of batch)
        if (this.writing.get(update.contactId) === sent) this.writing.delete(update.contactId);
    });
    this.sends.add(sent);
    for (const update of batch) this.writing.set(update.contactId, sent);
    return sent;
  }

  private async write(batch: Update[]): Promise<void> {
    if (batch.length === 0) return;
    const results = await this.dynamics.executeBatch(
      batch.map((update) => ({
        method: 'PATCH',
        path: entityPath(CONTACTS_SET, update.contactId),
        body: update.values,
        headers: { 'If-Match': '*' },
      })),
      { continueOnError: true }
    );
    for (const [index, update] of batch.entries()) await this.settle(update, results[index]);
  }

  private async settle(update: Update, result: BatchResult | undefined): Promise<void> {
    if (result?.outcome === 'succeeded') return this.applied(update);
    if (result?.outcome === 'failed' && RECORD_REFUSED.has(result.status)) {
      return this.refused(update, result.status, result.code);
    }
    // Not run, or met a 429 or 5xx: on its own, with the client's retries.
    try {
      await this.dynamics.update(CONTACTS_SET, update.contactId, update.values);
      this.applied(update);
    } catch (error) {
      if (!(error instanceof DynamicsApiError) || !RECORD_REFUSED.has(error.status)) throw error;
      this.refused(update, error.status, error.code);
    }
  }

  private applied(update: Update): void {
    this.scope.counts.applied += update.audit.length;
    this.scope.audit.push(...update.audit);
  }

  /** D365 refuses this contact's write (e.g. a plug-in keeps inactive contacts read-only): audit it, go on. */
  private refused(update: Update, status: number, code: string): void {
    const refusal = `D365 refused the write (HTTP ${status}${code ? ` ${code}` : ''})`;
    this.scope.counts.rejected += update.audit.length;
    this.scope.audit.push(
      ...update.audit.map((row) => ({ ...row, reason: `${refusal}; not applied (${row.reason})` }))
    );
  }
}
