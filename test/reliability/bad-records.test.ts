import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type WorkflowHandle } from '@temporalio/client';
import { parse } from 'csv-parse/sync';
import { ingressManagerWorkflow } from '../../src/workflows';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { ingressStatusQuery, syncNowSignal } from '../../src/workflows/ingress/messages';
import { contactsAndProfiles } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';
import { activeContactIds } from '../harness/reliability';
import { untilQuery } from '../harness/polling';

const MAPPING = 'rel-records-contacts';

interface RejectRow {
  key: string;
  field: string;
  valueKind: string;
  reason: string;
}

/**
 * Malformed D365 records — too long for Campaign, an invalid email, an impossible date, a picklist value D365's
 * metadata does not list — in the initial transfer and in an incremental pass: each is in the rejects report (key,
 * field, kind, reason; never the value), every other record arrives, and the pass ends normally.
 */
describe('malformed records', () => {
  let stack: FlowStack;
  let manager: WorkflowHandle<typeof ingressManagerWorkflow>;
  let ids: string[];

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 120 },
      pageSize: 25,
      flows: {
        ingress: [
          contactsToProfiles(MAPPING, {
            fields: [
              { from: 'firstname', to: 'firstName' },
              { from: 'lastname', to: 'lastName' },
              { from: 'emailaddress1', to: 'email' },
              { from: 'birthdate', to: 'birthDate' },
              { from: 'gendercode', to: 'gender' },
            ],
            replacements: [
              { field: 'gendercode', from: 1, to: 'male' },
              { field: 'gendercode', from: 2, to: 'female' },
            ],
            picklists: 'value',
          }),
        ],
      },
    });
    ids = await activeContactIds(stack.resources, 60);
    await stack.startWorker();
  });

  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  /** Writes values straight into the simulator's table, past the Web API's checks, as a D365 with bad data serves them. */
  function corrupt(id: string, values: Record<string, string | number>): void {
    const table = stack.dynamics.db.table('contacts')!;
    table.update(table.get(id)!, values);
  }

  /** The four kinds of malformed record on four contacts, with the rejects row each must get. */
  function corruptFour(offset: number, round: string): Map<string, RejectRow> {
    const [long, email, date, picklist] = [0, 1, 2, 3].map((i) => ids[offset + i]!) as [string, string, string, string];
    corrupt(long, { firstname: `${round}-a-first-name-longer-than-thirty` });
    corrupt(email, { emailaddress1: `${round}-no-at-sign` });
    corrupt(date, { birthdate: '1990-02-30' });
    corrupt(picklist, { gendercode: 7 });
    const row = (key: string, field: string, valueKind: string, reason: string): [string, RejectRow] => [
      key,
      { key, field, valueKind, reason },
    ];
    return new Map([
      row(long, 'firstName', 'string', 'firstName: 33 characters, Campaign allows 30'),
      row(email, 'email', 'string', 'email: not a valid email address'),
      row(date, 'birthDate', 'string', 'birthDate: not a valid date'),
      row(picklist, 'gender', 'number', "gender: not one of the enumeration's values (unknown, male, female)"),
    ]);
  }

  async function rejects(): Promise<RejectRow[]> {
    const folder = path.join(stack.dir, 'reports', 'ingress', MAPPING);
    const rows: RejectRow[] = [];
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      rows.push(...parse<RejectRow>(await readFile(path.join(folder, name), 'utf8'), { columns: true }));
    }
    return rows;
  }

  it('initial transfer: rejects exactly the malformed records and copies every other one', async () => {
    const bad = corruptFour(0, 'T');
    manager = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ingressManagerId(MAPPING),
      args: [{ mapping: MAPPING }],
    });
    const done = await untilQuery(manager, ingressStatusQuery, (s) => s.initialTransferDone && s.phase === 'waiting');
    expect(done.lastError).toBeUndefined();
    const rows = await rejects();
    expect(rows).toEqual([...bad.values()]);
    expect(JSON.stringify(rows)).not.toMatch(/longer-than-thirty|no-at-sign|1990-02-30/);

    const { d365, campaign, duplicates } = await contactsAndProfiles(stack.resources);
    expect(duplicates).toEqual([]);
    expect(campaign).toEqual(d365.filter((row) => !bad.has(String(row.id))));
  });

  it('incremental pass: rejects the newly malformed records, applies every other change', async () => {
    const before = (await rejects()).length;
    for (const id of ids.slice(10, 40)) {
      await stack.resources.dynamics().update('contacts', id, { lastname: `Changed-${id.slice(-4)}` });
    }
    const bad = corruptFour(40, 'P');
    await manager.signal(syncNowSignal);
    const done = await untilQuery(manager, ingressStatusQuery, (s) => s.passes >= 1 && s.phase === 'waiting');
    expect(done.lastError).toBeUndefined();
    expect(done.lastPass?.counts.rejected).toBe(4);
    const fresh = (await rejects()).slice(before);
    expect(fresh).toEqual([...bad.values()]);

    const { d365, campaign } = await contactsAndProfiles(stack.resources);
    const stale = new Set([...bad.keys(), ...ids.slice(0, 4)]);
    expect(campaign.filter((row) => !stale.has(String(row.id)))).toEqual(
      d365.filter((row) => !stale.has(String(row.id)))
    );
    expect(campaign.filter((row) => String(row.lastName).startsWith('Changed-'))).toHaveLength(30);
  });
});
