import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../harness/cli';

const refused: [line: string, message: string][] = [
  ["import { readFile } from 'node:fs/promises';", 'Workflow code runs in the Temporal sandbox'],
  ["import http from 'http';", 'Workflow code runs in the Temporal sandbox'],
  ["import axios from 'axios';", 'Workflow code runs in the Temporal sandbox'],
  ["import { heartbeat } from '@temporalio/activity';", 'Workflow code runs in the Temporal sandbox'],
  ["import { something } from '../connectors/dynamics';", 'Workflows must not touch connectors'],
  ["import { createActivities } from '../activities';", 'Import activities with `import type`'],
];
const allowed = [
  "import type * as activities from '../activities';",
  "import { proxyActivities } from '@temporalio/workflow';",
  "import { FlowKey } from './search-attributes';",
];

describe('the lint rule that keeps workflow code deterministic', () => {
  let messages: Map<string, string[]>;

  beforeAll(async () => {
    const lines = [...refused.map(([line]) => line), ...allowed];
    const pending = promisify(execFile)(
      process.execPath,
      [path.join(PROJECT_ROOT, 'test', 'harness', 'lint-as-workflow.mjs')],
      {
        cwd: PROJECT_ROOT,
      }
    );
    pending.child.stdin?.end(JSON.stringify(lines.map((line) => `${line}\nexport const x = 1;\n`)));
    const results = JSON.parse((await pending).stdout) as string[][];
    messages = new Map(lines.map((line, index) => [line, results[index] ?? []]));
  });

  it.each(refused)('refuses %s', (line, message) => {
    expect(messages.get(line)).toContainEqual(expect.stringContaining(message));
  });

  it.each(allowed)('allows %s', (line) => {
    expect(messages.get(line)).toEqual([]);
  });
});
