import { entityPath, redactPath } from '../../src/connectors/dynamics';
import { parsePreferences, wantsAnnotation } from '../../src/sandbox/dynamics/prefer';

describe('Dynamics client paths', () => {
  it('formats GUID and alternate keys, quoting and encoding string values', () => {
    expect(entityPath('contacts', '00000000-0000-0000-0000-000000000001')).toBe(
      'contacts(00000000-0000-0000-0000-000000000001)'
    );
    expect(entityPath('contacts', { emailaddress1: "o'neil@example.com" })).toBe(
      "contacts(emailaddress1='o''neil%40example.com')"
    );
    expect(entityPath('accounts', { accountnumber: 'A 1', revenue: 5 })).toBe(
      "accounts(accountnumber='A%201',revenue=5)"
    );
    expect(() => entityPath('contacts', 'not-a-guid')).toThrow(TypeError);
    expect(() => entityPath('contacts', {})).toThrow(TypeError);
  });

  it('redacts query strings and non-GUID key values from paths used in errors', () => {
    expect(redactPath("https://x.crm.dynamics.com/api/data/v9.2/contacts?$filter=emailaddress1 eq 'a@b.c'")).toBe(
      '/api/data/v9.2/contacts'
    );
    expect(redactPath("https://x/api/data/v9.2/contacts(emailaddress1='a%40b.c')")).toBe('/api/data/v9.2/contacts(…)');
    expect(redactPath('https://x/api/data/v9.2/contacts(00000000-0000-0000-0000-000000000001)')).toBe(
      '/api/data/v9.2/contacts(00000000-0000-0000-0000-000000000001)'
    );
  });
});

describe('simulator Prefer parsing', () => {
  it('reads comma-joined and quoted preferences', () => {
    const prefs = parsePreferences(
      'odata.track-changes, odata.maxpagesize=250,odata.include-annotations="OData.Community.*,Microsoft.Dynamics.CRM.totalrecordcount"'
    );
    expect(prefs).toMatchObject({ trackChanges: true, maxPageSize: 250, returnRepresentation: false });
    expect(wantsAnnotation(prefs, 'OData.Community.Display.V1.FormattedValue')).toBe(true);
    expect(wantsAnnotation(prefs, 'Microsoft.Dynamics.CRM.totalrecordcount')).toBe(true);
    expect(wantsAnnotation(prefs, 'Microsoft.Dynamics.CRM.lookuplogicalname')).toBe(false);
    expect(parsePreferences('return=representation,odata.continue-on-error')).toMatchObject({
      returnRepresentation: true,
      continueOnError: true,
    });
    expect(parsePreferences('odata.maxpagesize=abc').maxPageSize).toBeUndefined();
  });
});
