import type { CAMPAIGN_OPT_OUT_ATTRIBUTES } from '../../config/schema';

/** The Campaign opt-out attributes the configuration names (the UI's "denyList" wording). */
export type CampaignOptOutAttribute = (typeof CAMPAIGN_OPT_OUT_ATTRIBUTES)[number];

/**
 * The REST API still uses the older `blackList*` names; each attribute has a `<name>LastModified` timestamp beside
 * it. (`blackListPushnotificationLastModified` was not seen in a real answer; it follows the same pattern.)
 */
const API_NAMES: Record<CampaignOptOutAttribute, string> = {
  denyList: 'blackList',
  denyListEmail: 'blackListEmail',
  denyListFax: 'blackListFax',
  denyListMobile: 'blackListMobile',
  denyListPhone: 'blackListPhone',
  denyListPostalMail: 'blackListPostalMail',
  denyListPushnotification: 'blackListPushnotification',
  ccpaOptOut: 'ccpaOptOut',
};

/** The profile field that holds an opt-out attribute in the Campaign REST API. */
export function campaignApiField(attribute: CampaignOptOutAttribute): string {
  return API_NAMES[attribute];
}

/** The profile field that holds when an opt-out attribute last changed. */
export function campaignTimestampField(attribute: CampaignOptOutAttribute): string {
  return `${API_NAMES[attribute]}LastModified`;
}
