import { type ConfigInput } from '../../src/config/schema';
import { type CampaignSimulatorOptions } from '../../src/sandbox/campaign';

type IngressMappingInput = NonNullable<ConfigInput['ingress']>[number];

/** The benchmarks' mapping name. */
export const MAPPING = 'contacts';

/** Profile extension fields the 15-field mapping writes (a Campaign admin would publish them). */
export const PROFILE_EXTENSIONS: CampaignSimulatorOptions['profile'] = {
  extensionFields: {
    cusCity: { type: 'string', maxLength: 50 },
    cusPostalCode: { type: 'string', maxLength: 20 },
    cusFullName: { type: 'string', maxLength: 100 },
  },
};

/** contact → profile with 15 mapped fields besides the key (strings, dates, booleans). */
export function fifteenFieldMapping(overrides: Partial<IngressMappingInput> = {}): IngressMappingInput {
  return {
    name: MAPPING,
    from: 'contact',
    to: 'profile',
    key: { from: 'contactid', to: 'externalId' },
    fields: [
      { from: 'firstname', to: 'firstName' },
      { from: 'lastname', to: 'lastName' },
      { from: 'fullname', to: 'cusFullName' },
      { from: 'emailaddress1', to: 'email' },
      { from: 'birthdate', to: 'birthDate' },
      { from: 'telephone1', to: 'phone' },
      { from: 'mobilephone', to: 'mobilePhone' },
      { from: 'address1_city', to: 'cusCity' },
      { from: 'address1_postalcode', to: 'cusPostalCode' },
      { from: 'donotemail', to: 'blackListEmail' },
      { from: 'donotbulkemail', to: 'blackList' },
      { from: 'donotphone', to: 'blackListPhone' },
      { from: 'donotfax', to: 'blackListFax' },
      { from: 'donotpostalmail', to: 'blackListPostalMail' },
      { from: 'donotsendmm', to: 'blackListMobile' },
    ],
    every: '1h',
    ...overrides,
  };
}
