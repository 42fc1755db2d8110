/**
 * The yardstick of the verify benchmark: one full read of both sides, as verify reads them (same connectors, same
 * columns and page sizes), doing nothing with the records. Run by bench/verify.ts as a child process; prints one JSON
 * line of timings.
 */
import { createWorkerResources } from '../src/activities';
import { createPlanCache } from '../src/activities/ingress';
import { loadConfigFile } from '../src/config/load';
import { readSecrets } from '../src/config/secrets';
import { createLogger } from '../src/logging/logger';

async function main(): Promise<void> {
  const [configFile, mapping] = process.argv.slice(2);
  if (!configFile || !mapping) throw new Error('usage: verify-read-child.js <config file> <mapping>');
  const loaded = await loadConfigFile(configFile);
  if (!loaded.ok) throw new Error(`invalid configuration: ${JSON.stringify(loaded.problems)}`);
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', format: 'json' });
  const resources = createWorkerResources(loaded.config, readSecrets(loaded.config), logger);
  try {
    const resolved = await createPlanCache(resources).get(mapping);
    const started = Date.now();
    let rows = 0;
    for await (const page of resources.dynamics().readPages(resolved.table.entitySetName, {
      select: [...resolved.plan.select],
      pageSize: loaded.config.dynamics.pageSize,
      includeAnnotations: 'OData.Community.Display.V1.FormattedValue',
    }))
      rows += page.rows.length;
    const d365Ms = Date.now() - started;
    let records = 0;
    for await (const record of resolved.target.list({ lineCount: 500 })) if (record.PKey) records += 1;
    const campaignMs = Date.now() - started - d365Ms;
    console.log(JSON.stringify({ rows, records, d365Ms, campaignMs }));
  } finally {
    await resources.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
