import { randomUUID } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { formatAcsDateTime } from '../../src/sync/acs-dates';
import { checkConvergence } from '../harness/convergence';
import { convergenceFlows } from '../harness/convergence-scenario';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { profilesByExternalId } from '../harness/reliability';

/**
 * The convergence oracle finds each kind of drift by key, and nothing that is not drift: built by hand in both
 * simulators and on the SFTP (no flow runs), one record per case.
 */
describe('checkConvergence (the convergence oracle)', () => {
  let stack: FlowStack;

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 0 },
      flows: convergenceFlows('oracle', { every: '1h', fileThreshold: 100, chunkRows: 100 }),
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('reports every kind of drift with keys only, and leaves out what cannot be synced', async () => {
    const d365 = stack.resources.dynamics();
    const profiles = profilesByExternalId(stack.resources);
    const contact = async (values: Record<string, unknown> = {}): Promise<string> => {
      const id = randomUUID();
      await d365.create('contacts', {
        contactid: id,
        firstname: 'Ada',
        lastname: 'Secret',
        emailaddress1: `${id.slice(0, 8)}@example.com`,
        ...values,
      });
      return id;
    };
    const profile = async (id: string, values: Record<string, unknown> = {}): Promise<void> => {
      await profiles.create({
        externalId: id,
        firstName: 'Ada',
        lastName: 'Secret',
        email: `${id.slice(0, 8)}@example.com`,
        ...values,
      });
    };

    const agrees = await contact({ donotbulkemail: true, birthdate: '1980-02-03' });
    await profile(agrees, { blackListEmail: true, birthDate: '1980-02-03' });
    const missing = await contact();
    await contact({ statecode: 1, statuscode: 2 }); // filtered out, no profile: not drift
    const filteredOut = await contact({ statecode: 1, statuscode: 2, donotemail: true });
    await profile(filteredOut); // an orphan; its opt-out pair is not judged (the profile is on its way out)
    const deleted = randomUUID();
    await profile(deleted);
    const differs = await contact({ firstname: 'Grace' });
    await profile(differs);
    const duplicated = await contact();
    await profile(duplicated);
    await profile(duplicated);
    const optedOut = await contact({ donotemail: true });
    await profile(optedOut);

    // Events: one applied (twice, in two tables), one not applied, one of a contact D365 does not have, and one in
    // an archived file.
    const feeds = stack.campaign.exports!;
    const event = (eventId: string, externalId: string, eventType: 'send' | 'open' | 'click' = 'send') =>
      feeds.addEvent({
        eventId,
        eventType,
        externalId,
        eventDate: formatAcsDateTime(new Date()),
        campaignId: 'CAMP1',
        deliveryId: 'DM1',
        deliveryLabel: 'Newsletter',
        mirrorPageUrl: 'https://mirror.example.com/m/1',
        trackingUrl: eventType === 'click' ? 'https://www.example.com/offer' : '',
        bounceType: '',
        bounceReason: '',
      });
    event('archived-1', agrees, 'click');
    const { eventsFile: archivedFile } = await feeds.writeNow();
    const events = path.join(stack.sftp.root, 'd365_loads', 'exports', 'events');
    await mkdir(path.join(events, 'processed'), { recursive: true });
    await rename(path.join(events, archivedFile!), path.join(events, 'processed', archivedFile!));
    event('applied-1', agrees);
    event('not-applied-1', agrees, 'open');
    event('no-contact-1', deleted);
    const { eventsFile } = await feeds.writeNow();
    for (const table of ['acs_emailsends', 'acs_emailopens']) {
      await d365.create(table, { subject: 'CAMP1 DM1', acs_eventid: 'applied-1' });
    }

    const report = await checkConvergence(stack.resources, stack.config);

    expect(report.byCategory).toEqual({
      'profile-missing': [missing],
      'profile-duplicated': [duplicated],
      'profile-orphan': expect.arrayContaining([`${filteredOut}: filtered out`, `${deleted}: deleted`]),
      'profile-differs': [`${differs}: firstName`],
      'optout-disagrees': [`${optedOut}: denyList/donotemail`],
      'activity-duplicated': ['applied-1'],
      'event-not-applied': expect.arrayContaining([`${eventsFile}: not-applied-1`, `${archivedFile}: archived-1`]),
    });
    expect(report.byCategory['profile-orphan']).toHaveLength(2);
    expect(report.byCategory['event-not-applied']).toHaveLength(2);
    expect(report.drift).toBe(9);
    // Keys, never values.
    expect(JSON.stringify(report)).not.toMatch(/Secret|Grace|@example\.com/);
  });
});
