/** Column types the simulator knows, named as Dataverse `AttributeType` values (DateOnly is a DateTime behaviour). */
export type ColumnType =
  | 'Uniqueidentifier'
  | 'String'
  | 'Memo'
  | 'Boolean'
  | 'Integer'
  | 'Picklist'
  | 'State'
  | 'Status'
  | 'DateTime'
  | 'DateOnly'
  | 'Lookup';

/** A JSON value stored in a row. */
export type Value = string | number | boolean | null;

/** One column of a simulated table. */
export interface ColumnDefinition {
  name: string;
  type: ColumnType;
  /** Maximum string length (String, Memo). */
  maxLength?: number;
  /** Value on create when the body omits the column. @default null */
  defaultValue?: Value;
  /** Computed or system-set: refused in write bodies. @default false */
  readOnly?: boolean;
  /** Allowed values with their labels (Picklist, State, Status, Boolean labels as 1/0). */
  options?: Record<number, string>;
  /** Lookup: entity set the lookup points to, and the navigation property used in `@odata.bind`. */
  lookup?: { target: string; navigationProperty: string };
  /** Shown as the DisplayName in EntityDefinitions. @default the column name */
  displayName?: string;
}

/** One simulated table. */
export interface TableDefinition {
  logicalName: string;
  entitySetName: string;
  primaryIdAttribute: string;
  primaryNameAttribute: string;
  isActivity: boolean;
  changeTrackingEnabled: boolean;
  /** statecode → default statuscode; and the valid statuscodes of each statecode. */
  states: { state: number; label: string; defaultStatus: number; statuses: Record<number, string> }[];
  /** State values whose rows are read-only (completed/canceled activities; inactive contacts when so configured). */
  readOnlyStates: number[];
  /** Whether `statecode` may be set on create (activities: no, per IsValidForCreate = False). */
  stateValidForCreate: boolean;
  columns: ColumnDefinition[];
  /** Alternate keys: each is a list of column names usable in `entityset(col='v',...)` URLs. */
  alternateKeys: string[][];
  /**
   * `EntityKeyIndexStatus` of alternate keys whose index is not `Active` (D365 builds a key's index in a system job),
   * by the key's columns joined with commas. Metadata only: writes by such a key are not refused.
   */
  keyIndexStatus?: Record<string, KeyIndexStatus>;
}

/** The states of an alternate key's index in Dataverse (`EntityKeyIndexStatus`). */
export type KeyIndexStatus = 'Pending' | 'InProgress' | 'Active' | 'Failed';

const BOOLEAN_LABELS = { 1: 'Yes', 0: 'No' };

function stateColumns(states: TableDefinition['states']): ColumnDefinition[] {
  return [
    {
      name: 'statecode',
      type: 'State',
      defaultValue: 0,
      options: Object.fromEntries(states.map((s) => [s.state, s.label])),
    },
    {
      name: 'statuscode',
      type: 'Status',
      defaultValue: states[0]?.defaultStatus ?? 1,
      options: Object.assign({}, ...states.map((s) => s.statuses)) as Record<number, string>,
    },
  ];
}

function systemColumns(): ColumnDefinition[] {
  return [
    { name: 'createdon', type: 'DateTime', readOnly: true, displayName: 'Created On' },
    { name: 'modifiedon', type: 'DateTime', readOnly: true, displayName: 'Modified On' },
    { name: '_ownerid_value', type: 'Lookup', lookup: { target: 'systemusers', navigationProperty: 'ownerid' } },
    { name: 'versionnumber', type: 'Integer', readOnly: true },
  ];
}

const CONTACT_STATES: TableDefinition['states'] = [
  { state: 0, label: 'Active', defaultStatus: 1, statuses: { 1: 'Active' } },
  { state: 1, label: 'Inactive', defaultStatus: 2, statuses: { 2: 'Inactive' } },
];

function contactTable(alternateKeys: string[][], readOnlyInactive: boolean): TableDefinition {
  const doNot = (name: string, displayName: string): ColumnDefinition => ({
    name,
    type: 'Boolean',
    defaultValue: false,
    options: BOOLEAN_LABELS,
    displayName,
  });
  return {
    logicalName: 'contact',
    entitySetName: 'contacts',
    primaryIdAttribute: 'contactid',
    primaryNameAttribute: 'fullname',
    isActivity: false,
    changeTrackingEnabled: true,
    states: CONTACT_STATES,
    readOnlyStates: readOnlyInactive ? [1] : [],
    stateValidForCreate: true,
    alternateKeys,
    columns: [
      { name: 'contactid', type: 'Uniqueidentifier' },
      { name: 'firstname', type: 'String', maxLength: 50, displayName: 'First Name' },
      { name: 'lastname', type: 'String', maxLength: 50, displayName: 'Last Name' },
      { name: 'fullname', type: 'String', maxLength: 160, readOnly: true, displayName: 'Full Name' },
      { name: 'emailaddress1', type: 'String', maxLength: 100, displayName: 'Email' },
      { name: 'emailaddress2', type: 'String', maxLength: 100 },
      { name: 'emailaddress3', type: 'String', maxLength: 100 },
      { name: 'telephone1', type: 'String', maxLength: 50, displayName: 'Business Phone' },
      { name: 'telephone2', type: 'String', maxLength: 50, displayName: 'Home Phone' },
      { name: 'mobilephone', type: 'String', maxLength: 50, displayName: 'Mobile Phone' },
      { name: 'address1_city', type: 'String', maxLength: 80, displayName: 'Address 1: City' },
      { name: 'address1_country', type: 'String', maxLength: 80, displayName: 'Address 1: Country/Region' },
      { name: 'address1_postalcode', type: 'String', maxLength: 20, displayName: 'Address 1: ZIP/Postal Code' },
      { name: 'birthdate', type: 'DateOnly', displayName: 'Birthday' },
      { name: 'gendercode', type: 'Picklist', options: { 1: 'Male', 2: 'Female' }, displayName: 'Gender' },
      { name: 'description', type: 'Memo', maxLength: 2000 },
      ...stateColumns(CONTACT_STATES),
      doNot('donotemail', 'Do not allow Emails'),
      doNot('donotbulkemail', 'Do not allow Bulk Emails'),
      doNot('donotphone', 'Do not allow Phone Calls'),
      doNot('donotfax', 'Do not allow Faxes'),
      doNot('donotpostalmail', 'Do not allow Mails'),
      doNot('donotbulkpostalmail', 'Do not allow Bulk Mails'),
      { name: 'donotsendmm', type: 'Boolean', defaultValue: false, options: { 1: 'Do Not Send', 0: 'Send' } },
      { name: 'followemail', type: 'Boolean', defaultValue: true, options: { 1: 'Allow', 0: 'Do Not Allow' } },
      {
        name: '_parentcustomerid_value',
        type: 'Lookup',
        lookup: { target: 'contacts', navigationProperty: 'parentcustomerid_contact' },
      },
      ...systemColumns(),
    ],
  };
}

/** The custom table with change tracking: a loyalty membership per contact. */
function membershipTable(): TableDefinition {
  const states: TableDefinition['states'] = [
    { state: 0, label: 'Active', defaultStatus: 1, statuses: { 1: 'Active' } },
    { state: 1, label: 'Inactive', defaultStatus: 2, statuses: { 2: 'Inactive' } },
  ];
  return {
    logicalName: 'acs_membership',
    entitySetName: 'acs_memberships',
    primaryIdAttribute: 'acs_membershipid',
    primaryNameAttribute: 'acs_name',
    isActivity: false,
    changeTrackingEnabled: true,
    states,
    readOnlyStates: [],
    stateValidForCreate: true,
    alternateKeys: [['acs_membershipnumber']],
    columns: [
      { name: 'acs_membershipid', type: 'Uniqueidentifier' },
      { name: 'acs_name', type: 'String', maxLength: 100, displayName: 'Name' },
      { name: 'acs_membershipnumber', type: 'String', maxLength: 20, displayName: 'Membership Number' },
      { name: 'acs_tier', type: 'Picklist', options: { 1: 'Bronze', 2: 'Silver', 3: 'Gold' }, displayName: 'Tier' },
      { name: 'acs_points', type: 'Integer', defaultValue: 0, displayName: 'Points' },
      { name: 'acs_joinedon', type: 'DateOnly', displayName: 'Joined On' },
      {
        name: '_acs_contactid_value',
        type: 'Lookup',
        lookup: { target: 'contacts', navigationProperty: 'acs_contactid' },
      },
      {
        name: '_acs_loyaltyprogramid_value',
        type: 'Lookup',
        lookup: { target: 'acs_loyaltyprograms', navigationProperty: 'acs_loyaltyprogramid' },
        displayName: 'Loyalty Program',
      },
      ...stateColumns(states),
      ...systemColumns(),
    ],
  };
}

/** A custom table with change tracking, with a lookup to `lookup` when given (links between custom tables). */
function linkedTable(
  logicalName: string,
  entitySetName: string,
  columns: ColumnDefinition[],
  lookup?: ColumnDefinition
): TableDefinition {
  const states: TableDefinition['states'] = [
    { state: 0, label: 'Active', defaultStatus: 1, statuses: { 1: 'Active' } },
    { state: 1, label: 'Inactive', defaultStatus: 2, statuses: { 2: 'Inactive' } },
  ];
  return {
    logicalName,
    entitySetName,
    primaryIdAttribute: `${logicalName}id`,
    primaryNameAttribute: 'acs_name',
    isActivity: false,
    changeTrackingEnabled: true,
    states,
    readOnlyStates: [],
    stateValidForCreate: true,
    alternateKeys: [],
    columns: [
      { name: `${logicalName}id`, type: 'Uniqueidentifier' },
      { name: 'acs_name', type: 'String', maxLength: 100, displayName: 'Name' },
      ...columns,
      ...(lookup ? [lookup] : []),
      ...stateColumns(states),
      ...systemColumns(),
    ],
  };
}

/** Loyalty programs: the parent of memberships (membership → program → nothing). */
function loyaltyProgramTable(): TableDefinition {
  return linkedTable('acs_loyaltyprogram', 'acs_loyaltyprograms', [
    { name: 'acs_pointsrate', type: 'Integer', defaultValue: 1, displayName: 'Points Rate' },
  ]);
}

/** Rewards of a membership: two links deep (reward → membership → program). */
function rewardTable(): TableDefinition {
  return linkedTable(
    'acs_reward',
    'acs_rewards',
    [{ name: 'acs_points', type: 'Integer', defaultValue: 0, displayName: 'Points' }],
    {
      name: '_acs_membershipid_value',
      type: 'Lookup',
      lookup: { target: 'acs_memberships', navigationProperty: 'acs_membershipid' },
      displayName: 'Membership',
    }
  );
}

const ACTIVITY_STATES: TableDefinition['states'] = [
  { state: 0, label: 'Open', defaultStatus: 1, statuses: { 1: 'Open' } },
  { state: 1, label: 'Completed', defaultStatus: 2, statuses: { 2: 'Completed' } },
  { state: 2, label: 'Canceled', defaultStatus: 3, statuses: { 3: 'Canceled' } },
  { state: 3, label: 'Scheduled', defaultStatus: 4, statuses: { 4: 'Scheduled' } },
];

function activityTable(
  logicalName: string,
  entitySetName: string,
  extra: ColumnDefinition[],
  alternateKeys: string[][]
): TableDefinition {
  return {
    logicalName,
    entitySetName,
    primaryIdAttribute: 'activityid',
    primaryNameAttribute: 'subject',
    isActivity: true,
    changeTrackingEnabled: false,
    states: ACTIVITY_STATES,
    readOnlyStates: [1, 2],
    stateValidForCreate: false,
    alternateKeys,
    columns: [
      { name: 'activityid', type: 'Uniqueidentifier' },
      { name: 'subject', type: 'String', maxLength: 200, displayName: 'Subject' },
      { name: 'description', type: 'Memo', maxLength: 2000 },
      { name: 'scheduledstart', type: 'DateTime' },
      { name: 'scheduledend', type: 'DateTime' },
      { name: 'actualstart', type: 'DateTime' },
      { name: 'actualend', type: 'DateTime' },
      {
        name: '_regardingobjectid_value',
        type: 'Lookup',
        lookup: { target: 'contacts', navigationProperty: `regardingobjectid_contact_${logicalName}` },
      },
      ...extra,
      ...stateColumns(ACTIVITY_STATES),
      ...systemColumns(),
    ],
  };
}

/** Columns of the Campaign email event activities (names are ours: Adobe's are not public). */
function campaignEventColumns(dateColumn: string, withTrackingUrl: boolean): ColumnDefinition[] {
  return [
    { name: 'acs_campaignid', type: 'String', maxLength: 100, displayName: 'Campaign ID' },
    { name: 'acs_deliveryid', type: 'String', maxLength: 100, displayName: 'Delivery ID' },
    { name: 'acs_campaignname', type: 'String', maxLength: 200, displayName: 'Campaign Name' },
    { name: 'acs_deliveryname', type: 'String', maxLength: 200, displayName: 'Delivery Name' },
    { name: 'acs_deliverylabel', type: 'String', maxLength: 200, displayName: 'Delivery Label' },
    { name: dateColumn, type: 'DateTime' },
    { name: 'acs_mirrorpageurl', type: 'String', maxLength: 1000, displayName: 'Mirror Page URL' },
    { name: 'acs_eventid', type: 'String', maxLength: 100, displayName: 'Campaign Event ID' },
    ...(withTrackingUrl
      ? [{ name: 'acs_trackingurl', type: 'String', maxLength: 1000, displayName: 'Tracking URL' } as const]
      : []),
  ];
}

/** Campaign event activities are upserted by the Campaign event id, so a re-run creates no duplicate. */
const EVENT_KEY = [['acs_eventid']];

/** D365 users (`systemusers`): enough to look an owner up; no state columns (a user is `isdisabled` instead). */
function systemUserTable(): TableDefinition {
  return {
    logicalName: 'systemuser',
    entitySetName: 'systemusers',
    primaryIdAttribute: 'systemuserid',
    primaryNameAttribute: 'fullname',
    isActivity: false,
    changeTrackingEnabled: false,
    states: [],
    readOnlyStates: [],
    stateValidForCreate: false,
    alternateKeys: [],
    columns: [
      { name: 'systemuserid', type: 'Uniqueidentifier' },
      { name: 'fullname', type: 'String', maxLength: 200, displayName: 'Full Name' },
      { name: 'isdisabled', type: 'Boolean', defaultValue: false, options: BOOLEAN_LABELS, displayName: 'Status' },
      ...systemColumns(),
    ],
  };
}

export interface SchemaOptions {
  /** Alternate keys on `contacts` (none exist by default in Dataverse). @default [] */
  contactAlternateKeys?: string[][];
  /**
   * Refuse updates of inactive contacts (HTTP 400 `0x80043b09`) unless the same PATCH reactivates them, as an
   * organization does whose plug-in or business rule blocks them. Dataverse itself lets the Web API update inactive
   * contacts; only some tables (closed activities, quotes, orders, invoices) are read-only in their closed states.
   * @default false
   */
  readOnlyInactiveContacts?: boolean;
}

/** All tables the simulator serves. */
export function buildSchema(options: SchemaOptions = {}): TableDefinition[] {
  return [
    contactTable(options.contactAlternateKeys ?? [], options.readOnlyInactiveContacts ?? false),
    membershipTable(),
    loyaltyProgramTable(),
    rewardTable(),
    activityTable('acs_emailsend', 'acs_emailsends', campaignEventColumns('acs_sentdate', false), EVENT_KEY),
    activityTable('acs_emailopen', 'acs_emailopens', campaignEventColumns('acs_openeddate', false), EVENT_KEY),
    activityTable('acs_emailclick', 'acs_emailclicks', campaignEventColumns('acs_clickeddate', true), EVENT_KEY),
    activityTable('acs_emailbounce', 'acs_emailbounces', campaignEventColumns('acs_bounceddate', false), EVENT_KEY),
    activityTable('task', 'tasks', [], []),
    systemUserTable(),
  ];
}
