import { randomUUID } from 'node:crypto';
import { DynamicsMalformedResponseError, type CallInfo } from './errors';
import { idFromEntityUri, redactPath } from './paths';
import { type Row } from './reads';
import { type RawResponse } from './transport';
import { type WebApiHttp } from './web-api-http';

/** Dataverse's limit on operations in one `$batch`. */
export const MAX_BATCH_OPERATIONS = 1000;

/** One operation of a `$batch`. */
export interface BatchOperation {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /**
   * Path relative to the service root (`contacts`, `contacts(<id>)`, `acs_emailsends(acs_eventid='e1')`), or in an
   * atomic batch `$<n>` for the row created by operation n (1-based).
   */
  path: string;
  body?: Row;
  headers?: Record<string, string>;
}

export interface BatchOptions {
  /** Run all operations in one change set: all succeed or none is kept. @default false */
  atomic?: boolean;
  /** Run every operation even after one fails (`Prefer: odata.continue-on-error`). @default true */
  continueOnError?: boolean;
}

/** The outcome of one operation, at the same index as its input. */
export type BatchResult =
  | { index: number; outcome: 'succeeded'; status: number; entityId?: string; id?: string; body?: unknown }
  | { index: number; outcome: 'failed'; status: number; code: string; message: string }
  /** Part of a change set that failed: undone, or never run. */
  | { index: number; outcome: 'rolled-back' }
  /** The batch stopped at an earlier failure before running it. */
  | { index: number; outcome: 'not-executed' };

interface HttpPart {
  contentId?: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

type ResponseItem = { kind: 'response'; part: HttpPart } | { kind: 'changeset'; parts: HttpPart[] };

function boundaryOf(contentType: string | undefined): string | undefined {
  return /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
}

function splitHead(text: string): { lines: string[]; body: string } {
  const match = /\r?\n\r?\n/.exec(text);
  const head = match ? text.slice(0, match.index) : text;
  return {
    lines: head.split(/\r?\n/).filter((l) => l !== ''),
    body: match ? text.slice(match.index + match[0].length) : '',
  };
}

function headerMap(lines: string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) map[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return map;
}

function splitMultipart(body: string, boundary: string): { headers: Record<string, string>; body: string }[] {
  const escaped = `--${boundary}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const sections = body.split(new RegExp(`\\r?\\n?${escaped}`));
  const parts: { headers: Record<string, string>; body: string }[] = [];
  for (const section of sections.slice(1)) {
    if (section.startsWith('--')) break;
    const { lines, body: partBody } = splitHead(section.replace(/^\r?\n/, ''));
    parts.push({ headers: headerMap(lines), body: partBody.replace(/\r?\n$/, '') });
  }
  return parts;
}

function parseHttpPart(call: CallInfo, part: { headers: Record<string, string>; body: string }): HttpPart {
  const { lines, body } = splitHead(part.body.replace(/^\r?\n/, ''));
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
  if (!Number.isInteger(status))
    throw new DynamicsMalformedResponseError(call, 'a $batch part has no HTTP status line');
  return { contentId: part.headers['content-id'], status, headers: headerMap(lines.slice(1)), body };
}

/** Builds `$batch` requests and maps each answer back to the operation it belongs to. */
export class BatchExecutor {
  constructor(
    private readonly http: WebApiHttp,
    private readonly serviceRoot: string
  ) {}

  async execute(operations: BatchOperation[], options: BatchOptions = {}): Promise<BatchResult[]> {
    if (operations.length === 0) return [];
    if (operations.length > MAX_BATCH_OPERATIONS) {
      throw new RangeError(
        `a $batch holds at most ${MAX_BATCH_OPERATIONS} operations, got ${operations.length}: split it`
      );
    }
    const atomic = options.atomic ?? false;
    const continueOnError = options.continueOnError ?? true;
    if (atomic && operations.some((op) => op.method === 'GET'))
      throw new RangeError('GET operations cannot be part of an atomic $batch (change set)');
    const boundary = `batch_${randomUUID()}`;
    const url = `${this.serviceRoot}$batch`;
    const response = await this.http.request('POST', url, {
      body: this.body(operations, boundary, atomic),
      headers: {
        'Content-Type': `multipart/mixed; boundary="${boundary}"`,
        Accept: 'application/json',
        ...(continueOnError ? { Prefer: 'odata.continue-on-error' } : {}),
      },
      // Without creates, resending a whole batch cannot duplicate rows.
      idempotent: operations.every((op) => op.method !== 'POST'),
      acceptStatus: (_status, answer) => (this.contentType(answer) ?? '').startsWith('multipart/mixed'),
    });
    return this.map(operations, response, { method: 'POST', path: redactPath(url), status: response.status }, atomic);
  }

  private body(operations: BatchOperation[], boundary: string, atomic: boolean): string {
    const root = new URL(this.serviceRoot).pathname;
    const request = (op: BatchOperation, contentId?: number): string => {
      const target = op.path.startsWith('$') ? op.path : `${root}${op.path}`;
      const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
      if (contentId !== undefined) lines.push(`Content-ID: ${contentId}`);
      lines.push('', `${op.method} ${target} HTTP/1.1`);
      if (op.body !== undefined) lines.push('Content-Type: application/json; type=entry');
      for (const [name, value] of Object.entries(op.headers ?? {})) lines.push(`${name}: ${value}`);
      lines.push('', op.body === undefined ? '' : JSON.stringify(op.body));
      return lines.join('\r\n');
    };
    if (!atomic)
      return [...operations.map((op) => `--${boundary}\r\n${request(op)}`), `--${boundary}--`, ''].join('\r\n');
    const changeset = `changeset_${randomUUID()}`;
    const inner = [...operations.map((op, i) => `--${changeset}\r\n${request(op, i + 1)}`), `--${changeset}--`].join(
      '\r\n'
    );
    return [
      `--${boundary}`,
      `Content-Type: multipart/mixed; boundary="${changeset}"`,
      '',
      inner,
      `--${boundary}--`,
      '',
    ].join('\r\n');
  }

  private contentType(response: RawResponse): string | undefined {
    const value: unknown = response.headers['content-type'];
    return typeof value === 'string' ? value.toLowerCase() : undefined;
  }

  private parse(call: CallInfo, response: RawResponse): ResponseItem[] {
    const boundary = boundaryOf(this.contentType(response));
    if (!boundary) throw new DynamicsMalformedResponseError(call, 'the $batch answer is not multipart/mixed');
    return splitMultipart(response.body.toString('utf8'), boundary).map((part): ResponseItem => {
      const type = part.headers['content-type'] ?? '';
      const inner = type.toLowerCase().startsWith('multipart/mixed') ? boundaryOf(type) : undefined;
      if (inner)
        return { kind: 'changeset', parts: splitMultipart(part.body, inner).map((p) => parseHttpPart(call, p)) };
      return { kind: 'response', part: parseHttpPart(call, part) };
    });
  }

  private map(operations: BatchOperation[], response: RawResponse, call: CallInfo, atomic: boolean): BatchResult[] {
    const items = this.parse(call, response);
    const results: BatchResult[] = operations.map((_op, index) => ({ index, outcome: 'not-executed' }));
    if (atomic) {
      const item = items[0];
      if (!item) throw new DynamicsMalformedResponseError(call, 'the $batch answer has no part for the change set');
      if (item.kind === 'changeset') {
        for (const part of item.parts) {
          const index = Number(part.contentId) - 1;
          if (!Number.isInteger(index) || index < 0 || index >= operations.length) {
            throw new DynamicsMalformedResponseError(call, `a change-set answer names an unknown Content-ID`);
          }
          results[index] = this.result(index, part);
        }
        return results;
      }
      // A failed change set answers with the failing request only; everything else was rolled back.
      const failedIndex = Number(item.part.contentId) - 1;
      return results.map((_r, index) =>
        index === failedIndex || !Number.isInteger(failedIndex)
          ? this.result(index, item.part)
          : { index, outcome: 'rolled-back' }
      );
    }
    if (items.length > operations.length)
      throw new DynamicsMalformedResponseError(call, 'the $batch answer has more parts than operations');
    items.forEach((item, index) => {
      if (item.kind !== 'response')
        throw new DynamicsMalformedResponseError(call, 'unexpected change set in the $batch answer');
      results[index] = this.result(index, item.part);
    });
    return results;
  }

  private result(index: number, part: HttpPart): BatchResult {
    if (part.status >= 400) {
      let code = '';
      let message = `HTTP ${part.status}`;
      try {
        const error = (JSON.parse(part.body) as { error?: { code?: unknown; message?: unknown } }).error;
        if (typeof error?.code === 'string') code = error.code;
        if (typeof error?.message === 'string') message = error.message;
      } catch {
        // Keep the status as the message.
      }
      return { index, outcome: 'failed', status: part.status, code, message };
    }
    const entityId = part.headers['odata-entityid'];
    let body: unknown = undefined;
    if (part.body.trim() !== '') {
      try {
        body = JSON.parse(part.body);
      } catch {
        body = undefined;
      }
    }
    return { index, outcome: 'succeeded', status: part.status, entityId, id: idFromEntityUri(entityId), body };
  }
}
