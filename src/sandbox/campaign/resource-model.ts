/** Field types of the simulated resources (ACS metadata types, simplified). */
export type FieldType = 'string' | 'boolean' | 'integer' | 'number' | 'date' | 'datetime' | 'enumeration';

export interface FieldSpec {
  type: FieldType;
  /** Longest string accepted. */
  maxLength?: number;
  /** Enumeration values, written and read by name. */
  values?: string[];
  /** Set by Campaign only; a write is refused. @default false */
  readOnly?: boolean;
  /** Validated as an e-mail address (ACS dataPolicy `email`). @default false */
  email?: boolean;
}

/** A custom resource declared by configuration, as a Campaign administrator would publish it. */
export interface CustomResourceConfig {
  /** API name; must start with `cus`, e.g. `cusOrder`. */
  name: string;
  fields: Record<string, FieldSpec>;
  /** Identification key fields; a single-field key also allows `GET/PATCH /<api>/<name>/<keyValue>`. */
  identificationKey?: string[];
  /** Custom filters: filter name → { query parameter name → field }, e.g. `{ byCrmId: { crmId_parameter: 'crmId' } }`. */
  filters?: Record<string, Record<string, string>>;
  /**
   * A link to profile (served on `/profileAndServicesExt`); without it the resource is served on `/customResources`.
   * Cardinality `1` makes the link mandatory on create.
   */
  profileLink?: { field: string; cardinality?: '1' | '0..1' };
  /**
   * Links to other custom resources (declared before this one). Cardinality `1` ("1 cardinality simple link"): a
   * record must have its link, and an import that keeps unreconciled links stores a record whose linked record does
   * not exist yet hidden until it arrives; `0..1`: the link may be empty. @default []
   */
  links?: { field: string; target: string; cardinality?: '1' | '0..1'; onTargetDelete?: OnTargetDelete }[];
}

/**
 * What deleting a linked record does to the records linking to it (Campaign's link integrity): `clear` their link
 * (`normal`, Campaign's default), `delete` them too (`own`), or `refuse` the delete while any links to it (`define`).
 */
export type OnTargetDelete = 'clear' | 'delete' | 'refuse';

export type ApiSurface = 'profileAndServices' | 'profileAndServicesExt' | 'customResources';

export interface ResourceModel {
  name: string;
  /** Every field, extension fields included. */
  fields: Record<string, FieldSpec>;
  /** Fields visible only on `/profileAndServicesExt` (profile extensions). */
  extensionFields: Set<string>;
  /** Link field → target resource, whether it is mandatory, and what deleting the target does (@default clear). */
  links: Record<string, { target: string; required: boolean; onTargetDelete?: OnTargetDelete }>;
  identificationKey: string[];
  filters: Record<string, Record<string, string>>;
  surfaces: ApiSurface[];
  /** Fields with an equality index (keys and filter fields). */
  indexed: Set<string>;
}

export const OPT_OUT_ATTRIBUTES = [
  'blackList',
  'blackListEmail',
  'blackListFax',
  'blackListMobile',
  'blackListPhone',
  'blackListPostalMail',
  'blackListPushnotification',
  'ccpaOptOut',
] as const;

export type OptOutAttribute = (typeof OPT_OUT_ATTRIBUTES)[number];

/** Out-of-the-box profile fields (a useful subset of nms:recipient as the API names it). */
function profileFields(): Record<string, FieldSpec> {
  const fields: Record<string, FieldSpec> = {
    externalId: { type: 'string', maxLength: 100 },
    isExternal: { type: 'boolean' },
    email: { type: 'string', maxLength: 128, email: true },
    firstName: { type: 'string', maxLength: 30 },
    middleName: { type: 'string', maxLength: 30 },
    lastName: { type: 'string', maxLength: 50 },
    salutation: { type: 'string', maxLength: 80 },
    title: { type: 'string', maxLength: 50 },
    gender: { type: 'enumeration', values: ['unknown', 'male', 'female'] },
    emailFormat: { type: 'enumeration', values: ['unknown', 'text', 'html'] },
    birthDate: { type: 'date' },
    age: { type: 'integer', readOnly: true },
    phone: { type: 'string', maxLength: 32 },
    mobilePhone: { type: 'string', maxLength: 32 },
    fax: { type: 'string', maxLength: 32 },
    preferredLanguage: { type: 'string', maxLength: 10 },
    timeZone: { type: 'string', maxLength: 50 },
    created: { type: 'datetime', readOnly: true },
    lastModified: { type: 'datetime', readOnly: true },
    blackListAllLastModified: { type: 'datetime', readOnly: true },
  };
  for (const attribute of OPT_OUT_ATTRIBUTES) {
    fields[attribute] = { type: 'boolean' };
    fields[`${attribute}LastModified`] = { type: 'datetime', readOnly: true };
  }
  return fields;
}

export interface ProfileModelOptions {
  /** Profile extension fields (visible on `/profileAndServicesExt` only). @default {} */
  extensionFields?: Record<string, FieldSpec>;
  /** Custom filters on profile. @default { byExternalId: { externalId_parameter: 'externalId' } } */
  filters?: Record<string, Record<string, string>>;
  /** Identification key of profile (a single field allows custom-key URLs on Ext). @default [] */
  identificationKey?: string[];
}

export function buildProfileModel(options: ProfileModelOptions = {}): ResourceModel {
  const extension = options.extensionFields ?? {};
  const filters = options.filters ?? { byExternalId: { externalId_parameter: 'externalId' } };
  const identificationKey = options.identificationKey ?? [];
  return {
    name: 'profile',
    fields: { ...profileFields(), ...extension },
    extensionFields: new Set(Object.keys(extension)),
    links: {},
    identificationKey,
    filters,
    surfaces: ['profileAndServices', 'profileAndServicesExt'],
    indexed: new Set(['externalId', 'email', ...identificationKey, ...filterFields(filters)]),
  };
}

/** Out-of-the-box `service` (subscription services), enough for clients that list or create services. */
export function buildServiceModel(): ResourceModel {
  return {
    name: 'service',
    fields: {
      name: { type: 'string', maxLength: 64 },
      label: { type: 'string', maxLength: 128 },
      messageType: { type: 'enumeration', values: ['email', 'sms', 'push', 'letter'] },
      created: { type: 'datetime', readOnly: true },
      lastModified: { type: 'datetime', readOnly: true },
    },
    extensionFields: new Set(),
    links: {},
    identificationKey: [],
    filters: {},
    surfaces: ['profileAndServices', 'profileAndServicesExt'],
    indexed: new Set(['name']),
  };
}

export function buildCustomResourceModel(config: CustomResourceConfig): ResourceModel {
  if (!/^cus[A-Z0-9]/.test(config.name))
    throw new TypeError(`custom resource '${config.name}' must be named cus<Name>`);
  const identificationKey = config.identificationKey ?? [];
  for (const field of identificationKey) {
    if (!config.fields[field]) throw new TypeError(`key field '${field}' is not a field of '${config.name}'`);
  }
  const filters = config.filters ?? {};
  const links: ResourceModel['links'] = {};
  if (config.profileLink)
    links[config.profileLink.field] = { target: 'profile', required: config.profileLink.cardinality === '1' };
  for (const link of config.links ?? []) {
    links[link.field] = {
      target: link.target,
      required: link.cardinality === '1',
      ...(link.onTargetDelete ? { onTargetDelete: link.onTargetDelete } : {}),
    };
  }
  return {
    name: config.name,
    fields: {
      ...config.fields,
      created: { type: 'datetime', readOnly: true },
      lastModified: { type: 'datetime', readOnly: true },
    },
    extensionFields: new Set(),
    links,
    identificationKey,
    filters,
    surfaces: config.profileLink ? ['profileAndServicesExt'] : ['customResources'],
    indexed: new Set([...identificationKey, ...filterFields(filters)]),
  };
}

function filterFields(filters: Record<string, Record<string, string>>): string[] {
  return Object.values(filters).flatMap((parameters) => Object.values(parameters));
}
