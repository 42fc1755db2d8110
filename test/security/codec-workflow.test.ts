import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import YAML from 'yaml';
import { defaultImportWorkflow } from '../../src/sandbox/campaign/workflow-engine';
import { EncryptionCodec, ENCRYPTED_ENCODING, loadKeyring } from '../../src/temporal/codec';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { assertBuildIsFresh, runCli, startCli } from '../harness/cli';
import { readProfiles } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';
import { allText, historyPayloads } from './history-text';
import { eventually } from '../harness/polling';

/**
 * With temporal.encryption on, the worker process and the CLI share the AES-GCM codec: every payload the server
 * stores is ciphertext, and the flow still runs and answers `status`.
 */
describe('payload encryption on the real Temporal server', () => {
  const mapping = 'codec-contacts';
  const flow = ingressManagerId(mapping);
  const keyEnv = { CODEC_KEY_NOW: randomBytes(32).toString('base64') };
  const encryption = { currentKeyId: 'k-now', keys: [{ id: 'k-now', keyEnv: 'CODEC_KEY_NOW' }] };
  let stack: FlowStack;
  let configFile: string;
  let env: Record<string, string>;
  let worker: ChildProcessWithoutNullStreams;
  const importWorkflow = defaultImportWorkflow();
  importWorkflow.import = { ...importWorkflow.import!, resource: 'profileTypo' }; // the first import fails

  beforeAll(async () => {
    assertBuildIsFresh();
    stack = await startFlowStack({
      dynamics: { seedContacts: 4 },
      campaign: { workflows: [importWorkflow], signalCooldownMs: 0 },
      flows: {
        ingress: [
          contactsToProfiles(mapping, {
            initialTransfer: { fileThreshold: 2, chunkRows: 2, importWorkflow: importWorkflow.id },
          }),
        ],
      },
    });
    const input = YAML.parse(await readFile(stack.configFile, 'utf8')) as { temporal: Record<string, unknown> };
    input.temporal.encryption = encryption;
    configFile = path.join(stack.dir, 'encrypted.yaml');
    await writeFile(configFile, YAML.stringify(input));
    env = { ...stack.secretEnv, ...keyEnv };
    worker = startCli(['worker', '--config', configFile], env);
    worker.stdout.resume();
    worker.stderr.resume();
  });
  afterAll(async () => {
    await stack?.temporal.client.workflow
      .getHandle(flow)
      .terminate('test over')
      .catch(() => undefined);
    worker?.kill('SIGKILL');
    await stack?.close();
  });

  const status = () =>
    eventually(async () => {
      const result = await runCli(['status', '--json', '--config', configFile], env);
      const flows = (JSON.parse(result.stdout) as { flows: { detail?: Record<string, unknown> }[] }).flows;
      return flows[0]?.detail ?? {};
    });
  const statusWhen = (done: (detail: Record<string, unknown>) => boolean) =>
    eventually(async () => {
      const detail = await status();
      if (!done(detail)) throw new Error(`not yet: ${JSON.stringify(detail)}`);
      return detail;
    });

  it('refuses to start the worker without its key, naming the variable', async () => {
    const result = await runCli(['worker', '--config', configFile], stack.secretEnv);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'temporal.encryption.keys[0] (id k-now): CODEC_KEY_NOW is not set (set it, or CODEC_KEY_NOW_FILE to a file holding it)'
    );
  });

  it('runs the flow, failure included, and the server stores only ciphertext', async () => {
    expect((await runCli(['start', 'all', '--config', configFile], env)).stdout).toBe(`${flow}: started\n`);
    // The CLI decodes the worker's answers with the same key: the failure reads in clear there.
    const failed = await statusWhen((detail) => detail.phase === 'failed');
    expect(failed.lastError).toContain('ended in state error');
    importWorkflow.import!.resource = 'profile'; // the operator fixes the import workflow in Campaign
    expect((await runCli(['sync-now', flow, '--config', configFile], env)).code).toBe(0);
    await statusWhen((detail) => detail.initialTransferDone === true && detail.phase === 'waiting');
    expect((await readProfiles(stack.resources)).byKey.size).toBe(4);

    // Read every history of the task queue with a client that has no codec, as the server, its database and a UI
    // without the codec endpoint see them.
    const client = stack.temporal.client;
    const { executions } = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query: `TaskQueue = "${stack.taskQueue}"`,
    });
    const histories = await Promise.all(
      executions.map((run) =>
        client.workflow.getHandle(run.execution!.workflowId!, run.execution!.runId!).fetchHistory()
      )
    );
    expect(histories.length).toBeGreaterThanOrEqual(3); // manager, failed and completed initial transfers
    const found = histories.map(historyPayloads);
    const coded = found.flatMap((h) => h.coded);
    expect(coded.length).toBeGreaterThan(10);
    expect(new Set(coded.map(encodingOf))).toEqual(new Set([ENCRYPTED_ENCODING]));
    const stored = coded.map((p) => Buffer.from(p.data ?? []).toString('latin1')).join('\n');
    expect(stored).not.toContain(`"mapping":"${mapping}"`);
    expect(stored).not.toContain('json/plain');
    // Failure messages are encrypted too (the failure converter moves them into an encrypted payload).
    const everything = histories.flatMap((history) => allText(history)).join('\n');
    expect(everything).not.toContain('ended in state error');
    expect(everything).toContain('Encoded failure');
    // Search attributes are never encrypted (Temporal indexes them): they carry the flow, mapping and outcome only.
    const indexed = found.flatMap((h) => h.searchAttributes).map((p) => defaultPayloadConverter.fromPayload(p));
    expect(new Set(indexed)).toEqual(new Set(['ingress', mapping, 'running', 'succeeded', 'failed']));

    const raw = stack.temporal.client.workflow.getHandle(flow);
    // The same history decodes with the key: the workflow's argument is in there, encrypted.
    const codec = new EncryptionCodec(loadKeyring(encryption, keyEnv));
    const started = (await raw.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!;
    const [argument] = await codec.decode(started.input!.payloads!);
    expect(defaultPayloadConverter.fromPayload(argument!)).toEqual({ mapping });

    // Without the key, a client cannot read the workflow's answers.
    await expect(raw.query('status')).rejects.toThrow(/binary\/encrypted/);
  });
});

function encodingOf(payload: Payload): string {
  return Buffer.from(payload.metadata?.encoding ?? []).toString();
}
