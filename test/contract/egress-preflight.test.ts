import { APPLICATION_USER_ID } from '../../src/sandbox/dynamics';
import { type EgressStack, startEgressStack } from '../harness/egress-stack';

jest.setTimeout(60_000);

const OWNER = '22222222-3333-4444-8555-666666666666';
const DISABLED = '33333333-4444-4555-8666-777777777777';
const UNKNOWN = '44444444-5555-4666-8777-888888888888';

let stack: EgressStack;

beforeAll(async () => {
  stack = await startEgressStack(1);
  stack.dynamics.sim.db.addSystemUser(OWNER, 'Marketing app');
  stack.dynamics.sim.db.addSystemUser(DISABLED, 'Old app', { disabled: true });
});

afterAll(async () => {
  await stack?.close();
});

/** Runs `check` with `change` applied to the simulator, undoing it afterwards. */
async function withChange<T>(change: () => () => void, check: () => Promise<T>): Promise<T> {
  const undo = change();
  try {
    return await check();
  } finally {
    undo();
  }
}

const dropTable = (name: string) => () => {
  stack.dynamics.sim.db.dropTable(name);
  return () => stack.dynamics.sim.db.restoreTable(name);
};

/** Egress checked against the D365 simulator's metadata (`EntityDefinitions`, `…/Attributes`, `…/Keys`, users). */
describe('egress preflight (D365 simulator metadata)', () => {
  it('finds nothing wrong with the solution installed, an active owner and follow-up tasks on', async () => {
    for (const ownerId of [OWNER, APPLICATION_USER_ID, OWNER.toUpperCase()]) {
      expect(await stack.activities({ ownerId }).preflightEgress({})).toEqual({ problems: [] });
    }
  });

  it('names a missing activity table with its event switch, unless that event type is off', async () => {
    const { problems } = await withChange(dropTable('acs_emailclick'), () => stack.activities({}).preflightEgress({}));
    expect(problems).toEqual([
      {
        path: 'egress.events.click',
        message:
          'D365 has no table acs_emailclick: create the activity table as docs/d365-solution.md describes, or set egress.events.click: false',
      },
    ]);
    const off = await withChange(dropTable('acs_emailclick'), () =>
      stack.activities({ events: { click: false } }).preflightEgress({})
    );
    expect(off.problems).toEqual([]);
  });

  it('names the columns a table lacks (a solution from before acs_deliverylabel)', async () => {
    const definition = stack.dynamics.sim.db.tableByLogicalName('acs_emailopen')!.definition;
    const { problems } = await withChange(
      () => {
        const columns = definition.columns;
        definition.columns = columns.filter((column) => column.name !== 'acs_deliverylabel');
        return () => (definition.columns = columns);
      },
      () => stack.activities({}).preflightEgress({})
    );
    expect(problems).toEqual([
      {
        path: 'egress.events.open',
        message:
          'the D365 table acs_emailopen lacks the columns acs_deliverylabel: add them as docs/d365-solution.md describes',
      },
    ]);
  });

  it('requires the alternate key on acs_eventid, and its index Active', async () => {
    const definition = stack.dynamics.sim.db.tableByLogicalName('acs_emailsend')!.definition;
    const missing = await withChange(
      () => {
        const keys = definition.alternateKeys;
        definition.alternateKeys = [];
        return () => (definition.alternateKeys = keys);
      },
      () => stack.activities({}).preflightEgress({})
    );
    expect(missing.problems).toEqual([
      {
        path: 'egress.events.send',
        message:
          'the D365 table acs_emailsend has no alternate key on acs_eventid: add one (Keys › New key › acs_eventid); egress writes by it, so that an event never becomes two activities',
      },
    ]);
    for (const [status, fix] of [
      ['Pending', /wait until D365 has built its index/],
      ['Failed', /delete it, remove rows with the same acs_eventid and create it again/],
    ] as const) {
      const { problems } = await withChange(
        () => {
          stack.dynamics.sim.db.setKeyIndexStatus('acs_emailbounce', ['acs_eventid'], status);
          return () => stack.dynamics.sim.db.setKeyIndexStatus('acs_emailbounce', ['acs_eventid'], 'Active');
        },
        () => stack.activities({}).preflightEgress({})
      );
      expect(problems).toHaveLength(1);
      expect(problems[0]?.path).toBe('egress.events.bounce');
      expect(problems[0]?.message).toContain(
        `the alternate key acs_emailbounce_acs_eventid_key of acs_emailbounce is ${status}`
      );
      expect(problems[0]?.message).toMatch(fix);
    }
  });

  it('checks the task table only while follow-up tasks are on', async () => {
    const on = await withChange(dropTable('task'), () => stack.activities({}).preflightEgress({}));
    expect(on.problems).toEqual([
      {
        path: 'egress.followUpTasks',
        message:
          'D365 has no task table for the follow-up tasks; or set egress.followUpTasks.click and egress.followUpTasks.bounce to false',
      },
    ]);
    const off = await withChange(dropTable('task'), () =>
      stack.activities({ followUpTasks: { click: false, bounce: false } }).preflightEgress({})
    );
    expect(off.problems).toEqual([]);
  });

  it('refuses an owner that is no D365 user, or a disabled one', async () => {
    const unknown = await stack.activities({ ownerId: UNKNOWN }).preflightEgress({});
    expect(unknown.problems).toEqual([
      {
        path: 'egress.ownerId',
        message: `D365 has no user with the systemuserid ${UNKNOWN}: set it to the systemuserid of the application user that should own the activities, or remove it (the integration's own user owns them then)`,
      },
    ]);
    const disabled = await stack.activities({ ownerId: DISABLED }).preflightEgress({});
    expect(disabled.problems.map((problem) => problem.path)).toEqual(['egress.ownerId']);
    expect(disabled.problems[0]?.message).toContain(`the D365 user ${DISABLED} is disabled and cannot own records`);
  });
});
