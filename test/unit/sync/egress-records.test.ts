import {
  ACTIVITY_TABLES,
  activityColumns,
  activityRecord,
  activitySubject,
  COMPLETED_STATE,
  d365DateTime,
  type EmailEvent,
  EVENT_ID_COLUMN,
  followUpTask,
  followUpTaskId,
  taskColumns,
} from '../../../src/sync/egress';

const CONTACT = '0a1b2c3d-0000-4000-8000-000000000001';
const OWNER = '11111111-2222-4333-8444-555555555555';

function event(overrides: Partial<EmailEvent> = {}): EmailEvent {
  return {
    eventId: 'send-1',
    type: 'send',
    date: new Date('2026-01-02T03:04:05.678Z'),
    contactId: CONTACT,
    campaignId: 'CAMP1',
    deliveryId: 'DM1',
    deliveryLabel: 'Spring',
    mirrorPageUrl: 'https://m.example.com/1',
    trackingUrl: '',
    bounceReason: '',
    ...overrides,
  };
}

describe('activityRecord', () => {
  it.each([
    ['send', 'acs_emailsend', 'acs_sentdate'],
    ['open', 'acs_emailopen', 'acs_openeddate'],
    ['click', 'acs_emailclick', 'acs_clickeddate'],
    ['bounce', 'acs_emailbounce', 'acs_bounceddate'],
  ] as const)('maps a %s to %s with its date column and the regarding contact', (type, table, dateColumn) => {
    const body = activityRecord(
      event({
        type,
        trackingUrl: type === 'click' ? 'https://t' : '',
        ...(type === 'bounce' ? { bounceType: 'hard' } : {}),
      })
    );
    expect(ACTIVITY_TABLES[type].logicalName).toBe(table);
    expect(body[`regardingobjectid_contact_${table}@odata.bind`]).toBe(`/contacts(${CONTACT})`);
    expect(body[dateColumn]).toBe('2026-01-02T03:04:05Z');
    expect(body).toMatchObject({
      subject: 'CAMP1 - DM1',
      acs_campaignid: 'CAMP1',
      acs_deliveryid: 'DM1',
      acs_campaignname: 'CAMP1',
      acs_deliveryname: 'DM1',
      acs_deliverylabel: 'Spring',
      acs_mirrorpageurl: 'https://m.example.com/1',
      actualstart: '2026-01-02T03:04:05Z',
      actualend: '2026-01-02T03:04:05Z',
    });
    expect('acs_trackingurl' in body).toBe(type === 'click');
    expect('description' in body).toBe(type === 'bounce');
    // Created open: D365 refuses statecode on create.
    expect('statecode' in body).toBe(false);
    expect('acs_eventid' in body).toBe(false);
  });

  it('binds the owner only when one is configured', () => {
    expect(activityRecord(event(), { ownerId: OWNER })['ownerid@odata.bind']).toBe(`/systemusers(${OWNER})`);
    expect('ownerid@odata.bind' in activityRecord(event())).toBe(false);
  });

  it('keeps the delivery id as Delivery Name whatever the label, null for an empty label or mirror page URL', () => {
    const body = activityRecord(event({ deliveryLabel: '', mirrorPageUrl: '' }));
    expect(body.acs_deliveryname).toBe('DM1');
    expect(body.acs_deliverylabel).toBeNull();
    expect(body.acs_mirrorpageurl).toBeNull();
  });

  it.each([
    ['send', {}],
    ['open', { ownerId: OWNER }],
    ['click', {}],
    ['bounce', { ownerId: OWNER }],
  ] as const)('lists exactly the columns a %s activity writes (%o), for the preflight', (type, options) => {
    const body = activityRecord(
      event({ type, trackingUrl: 'https://t', ...(type === 'bounce' ? { bounceType: 'hard' } : {}) }),
      options
    );
    const written = [...Object.keys(body), ...Object.keys(COMPLETED_STATE), EVENT_ID_COLUMN].map((key) =>
      key.startsWith('regardingobjectid_') ? 'regardingobjectid' : key.replace(/@odata\.bind$/, '')
    );
    expect([...activityColumns(type, options)].sort()).toEqual([...new Set(written)].sort());
  });

  it('lists exactly the columns a follow-up task writes', () => {
    const task = followUpTask(
      event({ type: 'click', trackingUrl: 'https://t' }),
      { click: true, bounce: true, dueInDays: 1 },
      { ownerId: OWNER }
    );
    const written = Object.keys(task?.body ?? {}).map((key) =>
      key.startsWith('regardingobjectid_') ? 'regardingobjectid' : key.replace(/@odata\.bind$/, '')
    );
    expect([...taskColumns({ ownerId: OWNER })].sort()).toEqual(written.sort());
  });

  it('builds the subject from the delivery id alone when the campaign id is empty', () => {
    expect(activitySubject(event({ campaignId: '' }))).toBe('DM1');
  });

  it('describes a bounce by its type and reason', () => {
    expect(
      activityRecord(event({ type: 'bounce', bounceType: 'hard', bounceReason: 'User unknown' })).description
    ).toBe('Hard bounce: User unknown');
    expect(activityRecord(event({ type: 'bounce', bounceType: 'soft' })).description).toBe('Soft bounce');
  });

  it('cuts texts longer than their columns instead of failing the event', () => {
    const body = activityRecord(
      event({ type: 'click', deliveryId: 'D'.repeat(300), trackingUrl: `https://x/${'a'.repeat(2000)}` })
    );
    expect(String(body.subject)).toHaveLength(200);
    expect(String(body.acs_deliveryid)).toHaveLength(100);
    expect(String(body.acs_trackingurl)).toHaveLength(1000);
    expect(String(body.acs_trackingurl).endsWith('…')).toBe(true);
  });

  it('completes with the Completed state/status pair', () => {
    expect(COMPLETED_STATE).toEqual({ statecode: 1, statuscode: 2 });
  });
});

describe('followUpTask', () => {
  const all = { click: true, bounce: true, dueInDays: 3 };

  it.each([
    ['send', all, false],
    ['open', all, false],
    ['click', all, true],
    ['bounce', all, true],
    ['click', { ...all, click: false }, false],
    ['bounce', { ...all, bounce: false }, false],
  ] as const)('%s with %j → task: %s', (type, settings, expected) => {
    const task = followUpTask(event({ type, trackingUrl: 'https://t', bounceType: 'hard' }), settings);
    expect(task !== undefined).toBe(expected);
  });

  it('asks to follow up on the clicked URL, due dueInDays after the click, regarding the contact', () => {
    const task = followUpTask(event({ eventId: 'click-9', type: 'click', trackingUrl: 'https://t/offer' }), all, {
      ownerId: OWNER,
    });
    expect(task).toEqual({
      taskId: followUpTaskId('click-9'),
      body: {
        subject: 'Follow up on the click in DM1',
        description: 'The contact clicked https://t/offer in CAMP1 - DM1.',
        'regardingobjectid_contact_task@odata.bind': `/contacts(${CONTACT})`,
        scheduledend: '2026-01-05T03:04:05Z',
        'ownerid@odata.bind': `/systemusers(${OWNER})`,
      },
    });
  });

  it('asks to fix the email address after a bounce', () => {
    const task = followUpTask(event({ type: 'bounce', bounceType: 'hard', bounceReason: 'User unknown' }), {
      ...all,
      dueInDays: 1,
    });
    expect(task?.body).toMatchObject({
      subject: 'Fix the email address (bounce in DM1)',
      description: 'Hard bounce in CAMP1 - DM1: User unknown.',
      scheduledend: '2026-01-03T03:04:05Z',
    });
    expect('ownerid@odata.bind' in (task?.body ?? {})).toBe(false);
  });
});

describe('followUpTaskId', () => {
  it('is a stable version-5-layout GUID per event id', () => {
    const id = followUpTaskId('click-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(followUpTaskId('click-1')).toBe(id);
    expect(followUpTaskId('click-2')).not.toBe(id);
  });
});

describe('d365DateTime', () => {
  it('writes UTC with whole seconds', () => {
    expect(d365DateTime(new Date('2026-12-31T23:59:59.999Z'))).toBe('2026-12-31T23:59:59Z');
  });
});
