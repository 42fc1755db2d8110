import { executeBatch } from './batch';
import { type RequestWork } from './cost';
import { metadataDocument } from './csdl';
import { countChanges, isTrackedRead, readTracked } from './change-tracking';
import { APPLICATION_USER_ID, type Database } from './database';
import { Errors, WebApiError } from './errors';
import { jsonResponse, type SimRequest, type SimResponse } from './http-types';
import { parseKey, parseResourcePath } from './keys';
import { readEntityDefinitions, retrieveTotalRecordCount } from './metadata';
import { parsePreferences } from './prefer';
import { countCollection, readCollection, readRow, type ReadContext } from './query';
import { createRow, deleteRow, patchRow, type WriteContext } from './writes';

const ORGANIZATION_ID = '0c5a1d8e-6f0b-4b8e-9d7a-2e1f00d365aa';
const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** The Web API of one simulated organization: routes a request to the right handler and maps errors to bodies. */
export class WebApi {
  constructor(
    readonly db: Database,
    /** Service root, ending with `/api/data/v9.2/`. */
    readonly baseUrl: string
  ) {}

  private work: RequestWork = { rowsRead: 0, writes: 0 };

  handle(request: SimRequest): SimResponse {
    let response: SimResponse;
    try {
      response = this.route(request);
    } catch (err) {
      if (!(err instanceof WebApiError)) throw err;
      response = err.toResponse();
    }
    // Inner requests of a `$batch` pass through here too: each operation is charged on its own.
    this.work.rowsRead += response.rows ?? 0;
    if (WRITES.has(request.method.toUpperCase()) && request.path !== '$batch') this.work.writes += 1;
    return response;
  }

  /** The work done since the last call: the server charges it to the request that just ran. */
  takeWork(): RequestWork {
    const work = this.work;
    this.work = { rowsRead: 0, writes: 0 };
    return work;
  }

  private route(request: SimRequest): SimResponse {
    let path: string;
    try {
      path = decodeURIComponent(request.path);
    } catch {
      throw Errors.badRequest('The request URI is not valid.');
    }
    const params = new URLSearchParams(request.query);
    const preferences = parsePreferences(request.headers.prefer);
    const read: ReadContext = { baseUrl: this.baseUrl, params, preferences, headers: request.headers };
    const method = request.method.toUpperCase();

    if (path === '$batch') {
      if (method !== 'POST') throw Errors.methodNotAllowed();
      return executeBatch(this, request, preferences);
    }
    if (method === 'GET' && path === '') return this.serviceDocument();
    if (method === 'GET' && path === '$metadata') return metadataDocument(this.db.definitions);
    if (method === 'GET' && path === 'WhoAmI') {
      return jsonResponse(200, {
        '@odata.context': `${this.baseUrl}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
        BusinessUnitId: ORGANIZATION_ID,
        UserId: APPLICATION_USER_ID,
        OrganizationId: ORGANIZATION_ID,
      });
    }
    const resource = parseResourcePath(path);
    if (!resource) throw Errors.badRequest('The request URI is not valid.');
    if (resource.entitySet === 'EntityDefinitions') {
      if (method !== 'GET') throw Errors.methodNotAllowed();
      return readEntityDefinitions(this.db, this.baseUrl, resource.key, resource.segment, params);
    }
    if (resource.entitySet === 'RetrieveTotalRecordCount' && resource.key !== undefined) {
      if (method !== 'GET') throw Errors.methodNotAllowed();
      return retrieveTotalRecordCount(this.db, this.baseUrl, resource.key, params);
    }
    const store = this.db.table(resource.entitySet);
    if (!store) throw Errors.resourceNotFound(resource.entitySet);

    if (resource.key === undefined) {
      if (resource.segment === '$count' && method === 'GET') {
        const token = params.get('$deltatoken');
        return token === null ? countCollection(store, read) : countChanges(this.db, store, token);
      }
      if (resource.segment !== undefined) throw Errors.resourceNotFound(path);
      if (method === 'GET')
        return isTrackedRead(read) ? readTracked(this.db, store, read) : readCollection(store, read);
      if (method === 'POST') return createRow(this.writeContext(read, request), store);
      throw Errors.methodNotAllowed();
    }
    if (resource.segment !== undefined) throw Errors.resourceNotFound(path);
    const key = parseKey(resource.key, store.definition);
    if (method === 'GET') {
      const row = key.kind === 'id' ? store.get(key.id) : store.findByKey(key.values);
      if (!row) throw Errors.notFound(store.definition.logicalName, resource.key);
      return readRow(store, row, read);
    }
    if (method === 'PATCH')
      return this.db.transaction(() => patchRow(this.writeContext(read, request), store, key, resource.key as string));
    if (method === 'DELETE')
      return this.db.transaction(() => deleteRow(this.writeContext(read, request), store, key, resource.key as string));
    throw Errors.methodNotAllowed();
  }

  private writeContext(read: ReadContext, request: SimRequest): WriteContext {
    let body: unknown = undefined;
    if (request.body.trim() !== '') {
      try {
        body = JSON.parse(request.body);
      } catch {
        throw Errors.badRequest('The request body is not valid JSON.');
      }
    }
    return { ...read, db: this.db, body };
  }

  private serviceDocument(): SimResponse {
    return jsonResponse(200, {
      '@odata.context': `${this.baseUrl}$metadata`,
      value: this.db.definitions.map((t) => ({ name: t.entitySetName, kind: 'EntitySet', url: t.entitySetName })),
    });
  }
}
