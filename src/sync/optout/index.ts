export { campaignApiField, campaignTimestampField, type CampaignOptOutAttribute } from './attributes';
export { decideOptOut, type OptOutDecision, type OptOutMode, type OptOutSide, type OptOutWinner } from './decide';
export { type OptOutCounts, ZERO_OPT_OUT_COUNTS } from './counts';
