import { randomUUID } from 'node:crypto';
import { Errors, WebApiError } from './errors';
import { type SimRequest, type SimResponse } from './http-types';
import { type Preferences } from './prefer';
import { type WebApi } from './web-api';

/** Dataverse's limit on requests in one `$batch`. */
export const MAX_BATCH_OPERATIONS = 1000;

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

interface Part {
  headers: Record<string, string>;
  body: string;
}

interface BatchOperation {
  contentId?: string;
  request: SimRequest;
}

type BatchItem = { kind: 'request'; operation: BatchOperation } | { kind: 'changeset'; operations: BatchOperation[] };

export function boundaryOf(contentType: string | undefined): string | undefined {
  return /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
}

/** Header block and body of a MIME part or HTTP message (CRLF or LF line ends). */
function splitHeaders(text: string): { headerLines: string[]; body: string } {
  const match = /\r?\n\r?\n/.exec(text);
  const head = match ? text.slice(0, match.index) : text;
  const body = match ? text.slice(match.index + match[0].length) : '';
  return { headerLines: head.split(/\r?\n/).filter((l) => l !== ''), body };
}

function parseHeaderLines(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** The parts between the boundary delimiters (found with indexOf: a regular expression per body is slow on large ones). */
function splitParts(body: string, boundary: string): Part[] {
  const delimiter = `--${boundary}`;
  const parts: Part[] = [];
  // Text before the first delimiter is the preamble; a delimiter followed by `--` closes the body.
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.startsWith('--', start)) break;
    const next = body.indexOf(delimiter, start);
    let end = next < 0 ? body.length : next;
    // The line break before a delimiter belongs to the delimiter.
    if (next >= 0 && body[end - 1] === '\n') end -= 1;
    if (next >= 0 && body[end - 1] === '\r') end -= 1;
    const { headerLines, body: partBody } = splitHeaders(body.slice(start, end).replace(/^\r?\n/, ''));
    parts.push({ headers: parseHeaderLines(headerLines), body: partBody.replace(/\r?\n$/, '') });
    at = next;
  }
  return parts;
}

/** The embedded `METHOD url HTTP/1.1` request of an `application/http` part. */
function parseHttpRequest(text: string, baseUrl: string): SimRequest {
  const { headerLines, body } = splitHeaders(text.replace(/^\r?\n/, ''));
  const [requestLine = '', ...headerRest] = headerLines;
  const match = /^([A-Z]+)\s+(\S+)\s+HTTP\/1\.[01]$/.exec(requestLine.trim());
  if (!match) throw Errors.badRequest(`Invalid request line in $batch part: '${requestLine}'.`);
  let target = match[2] as string;
  const root = new URL(baseUrl);
  if (/^https?:\/\//i.test(target)) target = new URL(target).pathname + new URL(target).search;
  if (target.startsWith(root.pathname)) target = target.slice(root.pathname.length);
  else if (target.startsWith('/')) target = target.slice(1);
  const question = target.indexOf('?');
  return {
    method: match[1] as string,
    path: question < 0 ? target : target.slice(0, question),
    query: question < 0 ? '' : target.slice(question + 1),
    headers: parseHeaderLines(headerRest),
    body,
  };
}

function parseBatch(request: SimRequest, baseUrl: string): BatchItem[] {
  const boundary = boundaryOf(request.headers['content-type']);
  if (!boundary) throw Errors.badRequest('The $batch request must have Content-Type multipart/mixed with a boundary.');
  return splitParts(request.body, boundary).map((part): BatchItem => {
    const type = part.headers['content-type'] ?? '';
    if (type.toLowerCase().startsWith('multipart/mixed')) {
      const inner = boundaryOf(type);
      if (!inner) throw Errors.badRequest('A change set must declare its boundary.');
      return {
        kind: 'changeset',
        operations: splitParts(part.body, inner).map((p) => ({
          contentId: p.headers['content-id'],
          request: parseHttpRequest(p.body, baseUrl),
        })),
      };
    }
    return {
      kind: 'request',
      operation: { contentId: part.headers['content-id'], request: parseHttpRequest(part.body, baseUrl) },
    };
  });
}

/** One `application/http` response part. */
function responsePart(response: SimResponse, contentId?: string): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (contentId !== undefined) lines.push(`Content-ID: ${contentId}`);
  lines.push('', `HTTP/1.1 ${response.status} ${STATUS_TEXT[response.status] ?? ''}`.trimEnd());
  for (const [name, value] of Object.entries(response.headers)) lines.push(`${name}: ${value}`);
  const entityId = response.headers['OData-EntityId'];
  if (entityId && !('Location' in response.headers)) lines.push(`Location: ${entityId}`);
  lines.push('', response.body);
  return lines.join('\r\n');
}

/** Replaces `$n` references (URL start and `@odata.bind` values) with the URIs created earlier in the change set. */
function resolveReferences(request: SimRequest, created: Map<string, string>, baseUrl: string): SimRequest {
  const resolve = (ref: string): string => {
    const uri = created.get(ref.slice(1));
    if (uri === undefined)
      throw Errors.badRequest(`Content-ID Reference: '${ref}' does not exist in the batch context.`);
    return uri;
  };
  let path = request.path;
  const pathRef = /^\$(\d+)/.exec(path);
  if (pathRef) path = resolve(pathRef[0]).slice(baseUrl.length) + path.slice(pathRef[0].length);
  const body = request.body.replace(
    /("[^"]+@odata\.bind"\s*:\s*")(\$\d+)(")/g,
    (_m, before: string, ref: string, after: string) => `${before}${resolve(ref)}${after}`
  );
  return { ...request, path, body };
}

class ChangeSetFailed extends Error {
  constructor(readonly part: string) {
    super('change set failed');
  }
}

function runChangeSet(api: WebApi, operations: BatchOperation[]): string {
  const boundary = `changesetresponse_${randomUUID()}`;
  const created = new Map<string, string>();
  const parts = api.db.transaction(() =>
    operations.map((operation) => {
      let response: SimResponse;
      try {
        if (operation.request.method.toUpperCase() === 'GET')
          throw Errors.badRequest('GET requests are not allowed inside a change set.');
        const request = resolveReferences(operation.request, created, api.baseUrl);
        response = api.handle(request);
      } catch (err) {
        if (!(err instanceof WebApiError)) throw err;
        response = err.toResponse();
      }
      if (response.status >= 400) throw new ChangeSetFailed(responsePart(response, operation.contentId));
      const entityId = response.headers['OData-EntityId'];
      if (operation.contentId !== undefined && entityId) created.set(operation.contentId, entityId);
      return responsePart(response, operation.contentId);
    })
  );
  return [
    `Content-Type: multipart/mixed; boundary=${boundary}`,
    '',
    ...parts.map((p) => `--${boundary}\r\n${p}`),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** POST `$batch`: runs parts in order, change sets atomically; stops at the first failure unless continue-on-error. */
export function executeBatch(api: WebApi, request: SimRequest, preferences: Preferences): SimResponse {
  const items = parseBatch(request, api.baseUrl);
  const count = items.reduce((n, item) => n + (item.kind === 'request' ? 1 : item.operations.length), 0);
  if (count > MAX_BATCH_OPERATIONS) {
    throw Errors.badRequest(
      `The number of requests in the batch (${count}) exceeds the limit of ${MAX_BATCH_OPERATIONS}.`
    );
  }
  const boundary = `batchresponse_${randomUUID()}`;
  const parts: string[] = [];
  let failedStatus: number | undefined;
  for (const item of items) {
    let failed: number | undefined;
    if (item.kind === 'request') {
      const inner = item.operation.request;
      // The outer request was authenticated and admitted once; inner requests only run.
      const response =
        inner.path === '$batch'
          ? new WebApiError(400, '0x80060888', 'Nested $batch requests are not supported.').toResponse()
          : api.handle(inner);
      parts.push(responsePart(response, item.operation.contentId));
      if (response.status >= 400) failed = response.status;
    } else {
      try {
        parts.push(runChangeSet(api, item.operations));
      } catch (err) {
        if (!(err instanceof ChangeSetFailed)) throw err;
        parts.push(err.part);
        failed = Number(/HTTP\/1\.1 (\d{3})/.exec(err.part)?.[1] ?? 400);
      }
    }
    if (failed !== undefined && !preferences.continueOnError) {
      failedStatus = failed;
      break;
    }
  }
  const body = [...parts.map((p) => `--${boundary}\r\n${p}`), `--${boundary}--`, ''].join('\r\n');
  const headers: Record<string, string> = {
    'Content-Type': `multipart/mixed; boundary=${boundary}`,
    'OData-Version': '4.0',
  };
  if (preferences.continueOnError) headers['Preference-Applied'] = 'odata.continue-on-error';
  return { status: failedStatus ?? 200, headers, body };
}
