import { type ConfigInput } from '../../src/config/schema';

type IngressMappingInput = NonNullable<ConfigInput['ingress']>[number];

/** The contact → profile mapping most tests use: key, names, email and birth date. */
export function contactsToProfiles(name: string, overrides: Partial<IngressMappingInput> = {}): IngressMappingInput {
  return {
    name,
    from: 'contact',
    to: 'profile',
    key: { from: 'contactid', to: 'externalId' },
    fields: [
      { from: 'firstname', to: 'firstName' },
      { from: 'lastname', to: 'lastName' },
      { from: 'emailaddress1', to: 'email' },
      { from: 'birthdate', to: 'birthDate' },
    ],
    every: '1h',
    ...overrides,
  };
}
