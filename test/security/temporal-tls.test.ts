import { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import YAML from 'yaml';
import { connectClient } from '../../src/cli/temporal-client';
import { workerCheckWorkflow } from '../../src/workflows';
import { assertBuildIsFresh, startCli } from '../harness/cli';
import { uniqueTaskQueue } from '../harness/temporal';
import { makeCertificates, type TestCertificates } from './certificates';
import { startGrpcTlsProxy, type GrpcTlsProxy } from './grpc-tls-proxy';

const API_KEY = 'test-api-key-4f1c9a';
const fakeSecrets = { D365_SECRET: 'unused-d365', ACS_SECRET: 'unused-acs', SFTP_KEY: 'unused-key' };

/**
 * The worker process and the CLI's client reach Temporal through a TLS-terminating gRPC proxy (as a load balancer or
 * Temporal Cloud would stand there), with `temporal.tls` (mTLS) and `temporal.apiKeyEnv` from the configuration file.
 */
describe('TLS, mTLS and API key to Temporal', () => {
  let dir: string;
  let certs: TestCertificates;
  let mtlsProxy: GrpcTlsProxy;
  let apiKeyProxy: GrpcTlsProxy;
  const workers: ChildProcessWithoutNullStreams[] = [];

  beforeAll(async () => {
    assertBuildIsFresh();
    dir = await mkdtemp(path.join(tmpdir(), 'acs-tls-'));
    certs = makeCertificates(dir);
    const common = {
      upstream: process.env.TEMPORAL_TEST_ADDRESS!,
      cert: await readFile(certs.serverCert),
      key: await readFile(certs.serverKey),
      ca: await readFile(certs.caCert),
      requireClientCertificate: true,
    };
    mtlsProxy = await startGrpcTlsProxy(common);
    apiKeyProxy = await startGrpcTlsProxy({ ...common, requireAuthorization: `Bearer ${API_KEY}` });
  });
  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await mtlsProxy?.close();
    await apiKeyProxy?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A configuration file whose temporal block points at `proxy` with the client certificate. */
  async function configFor(proxy: GrpcTlsProxy, name: string, extra: Record<string, unknown> = {}) {
    const taskQueue = uniqueTaskQueue(name);
    const file = path.join(dir, `${name}.yaml`);
    const tls = { certFile: certs.clientCert, keyFile: certs.clientKey, caFile: certs.caCert, serverName: 'localhost' };
    await writeFile(
      file,
      YAML.stringify({
        dynamics: {
          url: 'https://contoso.crm.dynamics.com',
          tenantId: 't',
          clientId: 'c',
          clientSecretEnv: 'D365_SECRET',
        },
        campaign: {
          organization: 'contoso',
          clientId: 'c',
          clientSecretEnv: 'ACS_SECRET',
          sftp: {
            host: 'sftp.example',
            username: 'u',
            privateKeyEnv: 'SFTP_KEY',
            hostKeyFingerprints: [`SHA256:${'A'.repeat(43)}`],
          },
        },
        egress: {},
        temporal: {
          address: proxy.address,
          namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
          taskQueue,
          tls,
          ...extra,
        },
      })
    );
    return { file, taskQueue };
  }

  /** Starts `acs-d365 worker` and resolves once it logged that it polls its task queue. */
  function startWorker(configFile: string, env: Record<string, string> = {}): Promise<void> {
    const worker = startCli(['worker', '--config', configFile], { ...fakeSecrets, ...env, LOG_LEVEL: 'info' });
    workers.push(worker);
    worker.stdout.resume();
    return new Promise((resolve, reject) => {
      let stderr = '';
      worker.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('"msg":"worker started"')) resolve();
      });
      worker.on('exit', (code) => reject(new Error(`worker exited ${code}: ${stderr}`)));
    });
  }

  /** Runs the worker-check workflow with the CLI's own client, built from the same file. */
  async function runWorkerCheck(configFile: string, taskQueue: string) {
    const connected = await connectClient(configFile);
    try {
      return await connected.client.workflow.execute(workerCheckWorkflow, {
        taskQueue,
        workflowId: `tls-check-${taskQueue}`,
      });
    } finally {
      await connected.close();
    }
  }

  it('connects the worker and the CLI client with mTLS (temporal.tls) and runs a workflow', async () => {
    const { file, taskQueue } = await configFor(mtlsProxy, 'mtls');
    await startWorker(file);
    await expect(runWorkerCheck(file, taskQueue)).resolves.toMatchObject({ taskQueue, egress: true });
    expect(mtlsProxy.seen.clientCertificates.length).toBeGreaterThanOrEqual(2); // the worker's and the client's
    expect(new Set(mtlsProxy.seen.clientCertificates)).toEqual(new Set(['acs-d365-worker']));
  });

  it('refuses a client without the client certificate when mTLS is required', async () => {
    const before = mtlsProxy.seen.authorizations.length;
    await expect(
      Connection.connect({
        address: mtlsProxy.address,
        tls: { serverRootCACertificate: await readFile(certs.caCert), serverNameOverride: 'localhost' },
        connectTimeout: '3s',
      })
    ).rejects.toThrow();
    await expect(Connection.connect({ address: mtlsProxy.address, connectTimeout: '3s' })).rejects.toThrow();
    expect(mtlsProxy.seen.authorizations.length).toBe(before); // not a single call got through
  });

  it('sends the API key (temporal.apiKeyEnv) as "authorization: Bearer" on every call, and a wrong key is refused', async () => {
    const { file, taskQueue } = await configFor(apiKeyProxy, 'apikey', { apiKeyEnv: 'TEMPORAL_TEST_API_KEY' });
    process.env.TEMPORAL_TEST_API_KEY = API_KEY; // for the CLI client made in this process
    try {
      await startWorker(file, { TEMPORAL_TEST_API_KEY: API_KEY });
      await expect(runWorkerCheck(file, taskQueue)).resolves.toMatchObject({ taskQueue });
    } finally {
      delete process.env.TEMPORAL_TEST_API_KEY;
    }
    expect(apiKeyProxy.seen.authorizations.length).toBeGreaterThan(3);
    expect(new Set(apiKeyProxy.seen.authorizations)).toEqual(new Set([`Bearer ${API_KEY}`]));

    process.env.TEMPORAL_TEST_API_KEY = 'wrong-key';
    try {
      await expect(runWorkerCheck(file, taskQueue)).rejects.toThrow(/bad API key|UNAUTHENTICATED/);
    } finally {
      delete process.env.TEMPORAL_TEST_API_KEY;
    }
  });
});
