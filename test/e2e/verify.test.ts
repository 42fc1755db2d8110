import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../src/activities';
import { PROFILE_EXTERNAL_ID_KEY, type ResourceClient } from '../../src/connectors/campaign';
import { verifyReportSchema } from '../../src/cli/report-schemas';
import { EVENT_FILE_COLUMNS } from '../../src/sync/egress';
import { assertBuildIsFresh, runCli } from '../harness/cli';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { runPass } from '../harness/ingress-passes';
import { contactsToProfiles } from '../harness/mappings';

const MAPPING = 'verify-contacts';
const SCOPE = `ingress:${MAPPING}`;
const EVENTS = 'exports/events';

/**
 * `acs-d365 verify` against a running stack (both simulators, OpenSSH, Temporal), every call the built CLI: it starts
 * from agreement, then records are changed behind the product's back, one kind of drift at a time, through the
 * simulators' APIs; verify names each drifted key (and the fields that differ, never values) and exits 3, and
 * `--repair` re-drives them through the flows' write paths.
 */
describe('acs-d365 verify', () => {
  let stack: FlowStack;
  let profiles: ResourceClient;
  // `--quiet 0s`: the drift this test makes on purpose counts at once (by default, changes within the flows' interval
  // wait for their pass).
  const verify = (...args: string[]) =>
    runCli(['verify', '--quiet', '0s', ...args, '--config', stack.configFile], stack.secretEnv);
  const verifyJson = async (...args: string[]) => {
    const result = await verify(...args, '--json');
    return { code: result.code, stderr: result.stderr, report: verifyReportSchema.parse(JSON.parse(result.stdout)) };
  };
  const scope = (report: ReturnType<typeof verifyReportSchema.parse>['verify'], name: string) => {
    const found = report.scopes.find((s) => s.scope === name);
    if (!found) throw new Error(`no scope ${name}`);
    return found;
  };
  const profileOf = async (contactId: string) => {
    const profile = await profiles.findByKey({ externalId: contactId });
    if (!profile) throw new Error(`no profile for ${contactId}`);
    return profile;
  };
  const activeContacts = async (): Promise<string[]> => {
    const ids: string[] = [];
    for await (const page of stack.resources
      .dynamics()
      .readPages('contacts', { select: ['contactid'], filter: 'statecode eq 0' }))
      ids.push(...page.rows.map((row) => String(row.contactid)));
    return ids;
  };
  /** D365 keeps `modifiedon` to the second: a change in the second verify starts in counts as "during verify". */
  const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100));

  beforeAll(async () => {
    assertBuildIsFresh();
    stack = await startFlowStack({
      dynamics: { seedContacts: 40 },
      pageSize: 20,
      flows: {
        ingress: [
          contactsToProfiles(MAPPING, {
            deletes: true,
            filter: { match: 'all', rules: [{ field: 'statecode', op: 'eq', value: 0 }], deleteFilteredOut: true },
          }),
        ],
        optOut: {
          mode: 'bidirectional',
          pairs: [
            { campaign: 'denyListEmail', dynamics: 'donotbulkemail' },
            { campaign: 'denyList', dynamics: 'donotemail' },
          ],
        },
        egress: {},
      },
    });
    profiles = stack.resources
      .campaign()
      .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
    // The flows' own activities bring both systems into agreement: a full ingress pass, a full opt-out pass.
    const activities = createActivities({ resources: stack.resources });
    await runPass(activities, MAPPING, 'full', 'initial');
    let link: string | undefined;
    for (;;) {
      const page = await activities.syncOptOutD365Page({
        reportId: 'initial',
        pendingRoom: 0,
        ...(link ? { link } : {}),
      });
      if (page.deltaLink) break;
      link = page.nextLink;
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('exits 0 when the systems agree, with counts per scope', async () => {
    const { code, report } = await verifyJson();
    expect(code).toBe(0);
    expect(report.verify.outcome).toBe('agree');
    expect(report.verify.scopes.map((s) => s.scope)).toEqual([SCOPE, 'optout', 'egress']);
    const ingress = scope(report.verify, SCOPE);
    expect(ingress.counts).toMatchObject({ d365Rows: 40, changedDuringVerify: 0 });
    expect(ingress.counts.agree).toBe(ingress.counts.expected);
    expect(ingress.counts.agree).toBe((await activeContacts()).length);
    expect(scope(report.verify, 'optout').counts.compared).toBe(ingress.counts.agree);

    const text = await verify();
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^verify \d{8}T\d{6}Z: D365 and Campaign agree$/m);
    expect(text.stdout).toContain(`${SCOPE}: in agreement`);
  });

  it('finds a field changed in Campaign (key and field name, never the value), and --repair puts it back', async () => {
    const [contactId = ''] = await activeContacts();
    const profile = await profileOf(contactId);
    await profiles.patch(profile.PKey, { email: 'changed.behind.the.back@example.com' });

    const text = await verify();
    expect(text.code).toBe(3);
    expect(text.stdout).toContain(`${SCOPE}: drift: fields 1`);
    expect(text.stdout).toMatch(new RegExp(`fields +${contactId} +email`));
    expect(text.stdout + text.stderr).not.toContain('changed.behind.the.back');
    expect(text.stdout).toMatch(/every drifted key: .*verify[/\\]\d{8}T\d{6}Z[/\\]ingress-verify-contacts\.csv/);

    const repaired = await verifyJson('--repair');
    expect(repaired.code).toBe(0);
    expect(repaired.report.verify.outcome).toBe('drift');
    // Only what drifted is re-driven: no opt-out repair, no profile missing.
    expect(repaired.report.repairs).toEqual([
      expect.objectContaining({ scope: SCOPE, keys: 1, counts: expect.objectContaining({ updated: 1 }) as unknown }),
    ]);
    expect(repaired.report.afterRepair?.outcome).toBe('agree');
    expect((await profileOf(contactId)).email).not.toBe('changed.behind.the.back@example.com');
  });

  it('finds every kind of drift, repairs what a flow can write, and leaves duplicates to the operator', async () => {
    const [missing = '', duplicated = '', orphaned = '', filtered = '', optedOut = ''] = await activeContacts();
    await profiles.delete((await profileOf(missing)).PKey);
    await profiles.create({ externalId: duplicated, email: 'second@example.com' });
    await profiles.create({ externalId: 'typed-by-hand', email: 'someone@example.com' }); // no D365 id: an orphan
    await stack.resources.dynamics().delete('contacts', orphaned);
    await stack.resources.dynamics().update('contacts', filtered, { statecode: 1, statuscode: 2 });
    const optedOutProfile = await profileOf(optedOut);
    await profiles.patch(optedOutProfile.PKey, { blackListEmail: optedOutProfile.blackListEmail !== true });
    const eventId = await duplicateActivity(optedOut);
    await nextSecond();

    const found = await verifyJson();
    expect(found.code).toBe(3);
    const ingress = scope(found.report.verify, SCOPE);
    expect(ingress.drift).toMatchObject({ missing: 1, duplicate: 1, orphan: 2, filteredOut: 1, fields: 0 });
    expect(ingress.keys).toEqual(
      expect.arrayContaining([
        { key: missing, category: 'missing' },
        { key: duplicated, category: 'duplicate' },
        { key: orphaned, category: 'orphan' },
        { key: 'typed-by-hand', category: 'orphan' },
        { key: filtered, category: 'filteredOut' },
      ])
    );
    expect(scope(found.report.verify, 'optout').keys).toEqual([
      { key: optedOut, category: 'optOut', fields: ['denyListEmail'] },
    ]);
    expect(scope(found.report.verify, 'egress')).toMatchObject({
      drift: expect.objectContaining({ duplicate: 1 }) as unknown,
      keys: [{ key: eventId, category: 'duplicate', fields: ['acs_emailsend'] }],
      counts: expect.objectContaining({ files: 1, events: 2 }) as unknown,
    });

    const repaired = await verifyJson('--repair');
    expect(repaired.code).toBe(3); // the duplicates are left: which record to keep is the operator's call
    expect(repaired.report.repairs?.find((r) => r.scope === SCOPE)).toMatchObject({
      keys: 4,
      leftAlone: 1,
      counts: expect.objectContaining({ created: 1, deleted: 3 }) as unknown,
    });
    // The opted-out contact, and the contact whose profile the ingress repair created: that one got its opt-outs when
    // ingress created the profile, so only the opted-out contact needs a write.
    expect(repaired.report.repairs?.find((r) => r.scope === 'optout')).toMatchObject({
      keys: 2,
      counts: expect.objectContaining({ applied: 1, rejected: 0 }) as unknown,
      report: expect.stringMatching(/^optout\/verify-repair-/) as unknown,
    });
    const after = repaired.report.afterRepair;
    expect(after?.scopes.map((s) => [s.scope, s.keys.map((k) => k.category)])).toEqual([
      [SCOPE, ['duplicate']],
      ['optout', []],
      ['egress', ['duplicate']],
    ]);

    // The operator removes the second profile and the second activity: agreement again.
    const extra = await secondProfile(duplicated);
    await profiles.delete(extra);
    stack.dynamics.db
      .table('acs_emailsends')
      ?.delete(stack.dynamics.db.table('acs_emailsends')?.get(secondActivityId) ?? fail('no second activity'));
    expect((await verify()).code).toBe(0);
  });

  it('exits 1 when a system cannot be reached, and 2 on a scope the configuration does not have', async () => {
    const unknown = await verify('--only', 'ingress:nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`no scope ingress:nope; the configuration has: ${SCOPE}, optout, egress`);

    const campaignDown = path.join(stack.dir, 'campaign-down.yaml');
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(stack.configFile, 'utf8');
    await writeFile(campaignDown, text.replace(stack.campaign.baseUrl, 'http://127.0.0.1:9'));
    const down = await runCli(['verify', '--only', SCOPE, '--config', campaignDown], stack.secretEnv);
    expect(down.code).toBe(1);
    expect(down.stdout).toContain(`${SCOPE}: not verified:`);
  });

  it('runs as the workflow verify:<time> on the worker', async () => {
    const worker = await stack.startWorker();
    try {
      const result = await verifyJson('--in-worker');
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/running as workflow verify:\d{8}T\d{6}Z/);
      const workflowId = `verify:${result.report.verify.verifyId}`;
      const described = await stack.temporal.client.workflow.getHandle(workflowId).describe();
      expect(described.status.name).toBe('COMPLETED');
      expect(described.type).toBe('verifyWorkflow');

      const [contactId = ''] = await activeContacts();
      await profiles.patch((await profileOf(contactId)).PKey, { lastName: 'Changed behind the back' });
      const repaired = await verifyJson('--in-worker', '--repair');
      expect(repaired.code).toBe(0);
      expect(scope(repaired.report.verify, SCOPE).keys).toEqual([
        { key: contactId, category: 'fields', fields: ['lastName'] },
      ]);
      expect(repaired.report.repairs).toEqual([expect.objectContaining({ scope: SCOPE, keys: 1 })]);
      expect(repaired.report.afterRepair?.outcome).toBe('agree');
      const history = await stack.temporal.client.workflow
        .getHandle(`verify:${repaired.report.verify.verifyId}`)
        .fetchHistory();
      const summaries = (history.events ?? []).flatMap((event) =>
        event.activityTaskScheduledEventAttributes ? [event.userMetadata?.summary?.data?.toString() ?? ''] : []
      );
      expect(summaries.map((summary) => summary.replace(/"/g, ''))).toEqual([
        `verify ${SCOPE}`,
        'verify optout',
        'verify egress',
        `repair ${SCOPE}`,
        `verify ${SCOPE}`,
        'verify optout',
        'verify egress',
      ]);
    } finally {
      await worker.stop();
    }
  });

  let secondActivityId = '';

  /** An event file in processed/ with two events; the first one's activity is there twice (its key was bypassed). */
  async function duplicateActivity(contactId: string): Promise<string> {
    const eventId = `E${randomUUID().slice(0, 8).toUpperCase()}`;
    const line = (id: string) =>
      EVENT_FILE_COLUMNS.map(
        (column) =>
          ({
            eventId: id,
            eventType: 'send',
            eventDate: '2026-01-02 03:04:05.000Z',
            externalId: contactId,
            campaignId: 'CAMP1',
            deliveryId: 'DM1',
          })[column as string] ?? ''
      ).join(',');
    const folder = path.join(stack.sftp.root, 'd365_loads', EVENTS, 'processed');
    await mkdir(folder, { recursive: true });
    await writeFile(
      path.join(folder, 'events_20260102030405_000001.csv'),
      [EVENT_FILE_COLUMNS.join(','), line(eventId), line(`${eventId}-other`)].join('\n') + '\n'
    );
    const table = stack.dynamics.db.table('acs_emailsends');
    if (!table) throw new Error('no acs_emailsends table');
    table.insert(randomUUID(), { acs_eventid: eventId, subject: 'CAMP1 - DM1' });
    secondActivityId = randomUUID();
    table.insert(secondActivityId, { acs_eventid: eventId, subject: 'CAMP1 - DM1' });
    table.insert(randomUUID(), { acs_eventid: `${eventId}-other`, subject: 'CAMP1 - DM1' });
    return eventId;
  }

  async function secondProfile(contactId: string): Promise<string> {
    const pkeys: string[] = [];
    for await (const record of profiles.list({ lineCount: 500 }))
      if (record.externalId === contactId) pkeys.push(record.PKey);
    expect(pkeys).toHaveLength(2);
    return pkeys[1] ?? '';
  }
});

function fail(message: string): never {
  throw new Error(message);
}
