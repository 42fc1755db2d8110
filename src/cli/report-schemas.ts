import { z } from 'zod';

/**
 * The JSON that `status --json`, `runs --json` and `rejects --json` print: the contract scripts can rely on. Each
 * command parses its report through its schema before printing, so an output that strays from it fails loudly.
 */
const isoTime = z.iso.datetime();
const counts = z.record(z.string(), z.number().int().nonnegative());

const transferProgress = z.strictObject({
  path: z.enum(['api', 'file']),
  stage: z.enum(['reading', 'importing']),
  totalRows: z.number().int().nonnegative(),
  rowsDone: z.number().int().nonnegative(),
  chunksDone: z.number().int().nonnegative(),
  chunksTotal: z.number().int().positive().optional(),
  startedAt: isoTime,
  rowsAtStart: z.number().int().nonnegative(),
  updatedAt: isoTime,
});

const managerDetail = z.union([
  z.strictObject({ unavailable: z.string() }),
  z.strictObject({
    mapping: z.string().optional(),
    mode: z.string().optional(),
    phase: z.enum(['preflight', 'initial-transfer', 'waiting', 'syncing', 'applying', 'paused', 'failed']),
    initialTransferDone: z.boolean().optional(),
    passes: z.number().int().nonnegative(),
    cursor: z.record(z.string(), z.unknown()).optional(),
    lastPass: z
      .object({ pass: z.number().int().positive(), finishedAt: isoTime, counts })
      .catchall(z.union([z.number(), z.string()]))
      .optional(),
    cursorAt: isoTime.optional(),
    transfer: transferProgress.optional(),
    nextRunAt: isoTime.optional(),
    lastError: z.string().optional(),
    skippedFiles: z
      .array(z.strictObject({ file: z.string(), reason: z.string(), pass: z.number().int().positive(), at: isoTime }))
      .optional(),
    /** Ingress: rows waiting for a linked record. */
    waiting: z.number().int().positive().optional(),
  }),
]);

export const statusReportSchema = z.strictObject({
  generatedAt: isoTime,
  temporal: z.strictObject({ address: z.string(), namespace: z.string(), taskQueue: z.string() }),
  workers: z.array(z.strictObject({ identity: z.string(), lastSeen: isoTime.nullable(), polling: z.boolean() })),
  flows: z.array(
    z.strictObject({
      workflowId: z.string(),
      type: z.string().nullable(),
      flow: z.enum(['ingress', 'egress', 'optout', 'verify']).nullable(),
      mapping: z.string().nullable(),
      status: z.string(),
      startedAt: isoTime.nullable(),
      closedAt: isoTime.optional(),
      detail: managerDetail.optional(),
    })
  ),
  check: z
    .strictObject({
      ok: z.boolean(),
      exitCode: z.number().int().nonnegative(),
      problems: z.array(
        z.strictObject({
          kind: z.enum(['flow-failed', 'no-worker', 'stale-cursor']),
          workflowId: z.string().optional(),
          message: z.string(),
        })
      ),
    })
    .optional(),
});

export const runsReportSchema = z.strictObject({
  flow: z.string(),
  runs: z.array(
    z.strictObject({
      workflowId: z.string(),
      kind: z.enum(['pass', 'initial-transfer', 'redrive', 'other']),
      status: z.string(),
      outcome: z.enum(['running', 'succeeded', 'partial', 'failed']).nullable(),
      startedAt: isoTime,
      closedAt: isoTime.nullable(),
      durationMs: z.number().int().nonnegative().nullable(),
      counts,
    })
  ),
});

export const rejectsReportSchema = z.strictObject({
  flow: z.string(),
  folder: z.string(),
  reports: z.array(
    z.strictObject({
      name: z.string(),
      path: z.string(),
      modifiedAt: isoTime,
      lines: z.number().int().nonnegative(),
      records: z.number().int().nonnegative(),
      reasons: z.array(z.strictObject({ reason: z.string(), count: z.number().int().positive() })),
    })
  ),
});

const driftCategory = z.enum(['missing', 'fields', 'duplicate', 'orphan', 'filteredOut', 'optOut']);

const verifyResult = z.strictObject({
  verifyId: z.string(),
  startedAt: isoTime,
  finishedAt: isoTime,
  outcome: z.enum(['agree', 'drift', 'unverified']),
  scopes: z.array(
    z.strictObject({
      scope: z.string(),
      counts,
      drift: z.record(driftCategory, z.number().int().nonnegative()),
      keys: z.array(
        z.strictObject({ key: z.string(), category: driftCategory, fields: z.array(z.string()).optional() })
      ),
      truncated: z.boolean(),
      report: z.string().optional(),
      error: z.string().optional(),
    })
  ),
});

/** `verify --json`: the verify, and with `--repair` what the repair did and the verify after it. */
export const verifyReportSchema = z.strictObject({
  verify: verifyResult,
  repairs: z
    .array(
      z.strictObject({
        scope: z.string(),
        keys: z.number().int().nonnegative(),
        leftAlone: z.number().int().nonnegative(),
        counts,
        report: z.string().optional(),
      })
    )
    .optional(),
  afterRepair: verifyResult.optional(),
});

/** `doctor --json`: one entry per check, in the order they ran. */
export const doctorReportSchema = z.strictObject({
  ok: z.boolean(),
  checks: z.array(z.strictObject({ check: z.string(), ok: z.boolean(), message: z.string() })),
});

/**
 * `--json` of the commands that act on flows (`start`, `pause`, `resume`, `sync-now`, `stop`, `replay`,
 * `reset-cursor`, `retry`): what each flow's manager did, one entry per flow, in the order they were named.
 */
export const flowActionsReportSchema = z.strictObject({
  command: z.string(),
  flows: z.array(
    z.strictObject({ workflowId: z.string(), ok: z.boolean(), outcome: z.string(), message: z.string().optional() })
  ),
});

/** `rejects <flow> --redrive --json`: the re-drive workflow and what it did. */
export const redriveReportSchema = z.strictObject({
  flow: z.string(),
  /** Null when there was no report to re-drive. */
  workflowId: z.string().nullable(),
  reports: z.array(z.string()),
  /** Ingress: record keys re-driven; egress: event lines. */
  redriven: z.number().int().nonnegative(),
  counts: z.record(z.string(), z.number().int().nonnegative()),
  /** Lines left as they are: without a usable key (ingress), or about a whole file (egress). */
  leftAlone: z.number().int().nonnegative(),
  /** The new report of the records still refused. */
  stillRejected: z.string().optional(),
});
