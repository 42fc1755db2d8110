/**
 * The baseline of the initial-transfer benchmark: the same activities (same connectors, same reads, uploads and
 * Campaign calls, in the same order, with the same import polling schedule) called one after the other in one plain
 * process, without Temporal. Run by bench/initial-transfer.ts as a child process; prints one JSON line of timings.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, createWorkerResources } from '../src/activities';
import { loadConfigFile } from '../src/config/load';
import { readSecrets } from '../src/config/secrets';
import { createLogger } from '../src/logging/logger';
import { importPollDelayMs } from '../src/sync/import-polling';

async function main(): Promise<void> {
  const [configFile, mapping] = process.argv.slice(2);
  if (!configFile || !mapping) throw new Error('usage: baseline-transfer.js <config file> <mapping>');
  const loaded = await loadConfigFile(configFile);
  if (!loaded.ok) throw new Error(`invalid configuration: ${JSON.stringify(loaded.problems)}`);
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', format: 'json' });
  const resources = createWorkerResources(loaded.config, readSecrets(loaded.config), logger);
  const activities = createActivities({ resources });
  const env = new MockActivityEnvironment();
  // Each activity runs in a mock activity context (heartbeats go nowhere), as the worker would run it.
  const call = <A, R>(activity: (input: A) => Promise<R>, input: A): Promise<R> =>
    env.run<[A], R, (input: A) => Promise<R>>(activity, input);
  const started = Date.now();
  await call(activities.preflightIngress, { mapping });
  const settings = await call(activities.loadIngressSettings, { mapping });
  const { rows } = await call(activities.countSourceRows, { mapping });
  if (rows <= settings.fileThreshold) throw new Error(`${rows} rows do not take the file path`);
  const batchId = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const reportId = `${mapping}-baseline`;
  const fileNames: string[] = [];
  let link: string | undefined;
  let bytes = 0;
  let written = 0;
  // The upload phase starts with the first chunk, as the worker's is read from its history.
  const uploading = Date.now();
  for (;;) {
    const chunk = await call(activities.writeIngressChunk, {
      mapping,
      batchId,
      chunkNumber: fileNames.length + 1,
      ...(link !== undefined ? { link } : {}),
      reportId,
    });
    fileNames.push(chunk.fileName);
    bytes += chunk.bytes;
    written += chunk.rows;
    if (chunk.deltaLink !== undefined) break;
    link = chunk.nextLink;
  }
  const uploaded = Date.now();
  await call(activities.startCampaignImport, { mapping, fileNames });
  for (let poll = 0; ; poll++) {
    const status = await call(activities.getCampaignImportStatus, { mapping });
    if (status.finished) break;
    if (status.failed) throw new Error(`the Campaign import ended in state ${status.state}`);
    await new Promise((resolve) => setTimeout(resolve, importPollDelayMs(poll)));
  }
  await call(activities.collectImportRejects, { mapping, fileNames, reportId });
  const { records } = await call(activities.countCampaignRecords, { mapping });
  const finished = Date.now();
  await resources.close();
  process.stdout.write(
    JSON.stringify({
      rows,
      written,
      records,
      bytes,
      chunks: fileNames.length,
      uploadMs: uploaded - uploading,
      totalMs: finished - started,
    }) + '\n'
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
