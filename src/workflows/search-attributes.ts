import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Which flow a workflow belongs to: `ingress`, `egress`, `optout`, or `system`. */
export const FlowKey = defineSearchAttributeKey('AcsFlow', SearchAttributeType.KEYWORD);
/** The ingress mapping name (configuration, never data). */
export const MappingKey = defineSearchAttributeKey('AcsMapping', SearchAttributeType.KEYWORD);
/** Outcome of a pass: `running`, `succeeded`, `partial`, `failed`. */
export const OutcomeKey = defineSearchAttributeKey('AcsOutcome', SearchAttributeType.KEYWORD);

/** Every custom search attribute, to register on a cluster (`temporal operator search-attribute create`). */
export const SEARCH_ATTRIBUTE_KEYS = [FlowKey, MappingKey, OutcomeKey] as const;
