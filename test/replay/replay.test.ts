import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import * as workflows from '../../src/workflows';
import { HISTORIES_DIR, historyFromFile } from './histories';

/**
 * Safe upgrades: the workflow code of this checkout replays the histories recorded from real runs of every workflow
 * type (scripts/record-histories.sh), and those kept from earlier versions (`<type>.<what>.json`). A change that would
 * make a running workflow take another path on replay (a command added, removed or reordered without `patched()`)
 * fails here, before it reaches a cluster.
 */
const files = readdirSync(HISTORIES_DIR).filter((name) => name.endsWith('.json'));

describe('replaying recorded histories', () => {
  it('has a history of every workflow type the worker registers', () => {
    const types = new Set(files.map((name) => name.replace(/(\.[^.]+)?\.json$/, '')));
    expect([...types].sort()).toEqual(Object.keys(workflows).sort());
  });

  it('replays every one of them without a nondeterminism error', async () => {
    const histories = files.map((name) => historyFromFile(readFileSync(path.join(HISTORIES_DIR, name), 'utf8')));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowsPath: require.resolve('../../src/workflows'), replayName: 'recorded-histories' },
      histories
    )) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  }, 120_000);
});
