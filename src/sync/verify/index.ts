export {
  DRIFT_CATEGORIES,
  recency,
  type DriftCategory,
  type DriftedKey,
  type NotDrift,
  type Verdict,
  type VerifyTiming,
} from './categories';
export { canonicalValue, fnv1a, recordDigest, type ComparedField } from './digest';
export { compactKey, expandKey } from './compact-key';
export {
  IngressTally,
  type Candidate,
  type IngressTallyOptions,
  type SourceKind,
  type TallyCounts,
} from './ingress-tally';
export { ingressVerdict, type CampaignNow, type D365Now, type IngressRules } from './ingress-verdict';
export { optOutBits, optOutVerdict, type PairNow } from './optout-verdict';
export { duplicateEventIds } from './event-ids';
export {
  capKeys,
  emptyDrift,
  repairPlan,
  verdictOf,
  type DriftCounts,
  type RepairPlan,
  type VerifyResult,
  type VerifyScopeResult,
} from './result';
export { scopeName, selectScopes, verifyIdAt, verifyScopes, type ConfiguredFlows, type VerifyScope } from './scopes';
