#!/usr/bin/env node
// Bundles the workflow code once at build time (dist/workflows.bundle.js), so that a worker does not run webpack when
// it starts. Run after `tsc -p tsconfig.build.json`.
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const { bundleWorkflowCode, DefaultLogger } = require('@temporalio/worker');

async function main() {
  const dist = path.join(__dirname, '..', 'dist');
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(dist, 'workflows', 'index.js'),
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(path.join(dist, 'workflows.bundle.js'), code);
}

main().catch((err) => {
  process.stderr.write(`bundling the workflows failed: ${err.message}\n`);
  process.exit(1);
});
