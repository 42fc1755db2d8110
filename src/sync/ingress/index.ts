export { buildIngressPlan, type IngressPlan, type PlanProblem, type PlannedField } from './plan';
export { mapRecord, type MappedRecord, type IngressMode } from './map-record';
export { rowPassesFilter, type RowFilter, type FilterRule } from './filter';
export { convertToCampaign } from './convert';
export { webApiColumnName } from './read-column';
export { parseD365Date } from './d365-dates';
export type { CampaignField, CampaignFieldType, CampaignValue, D365Column, D365ColumnType, D365Row } from './types';
export { addCounts, ZERO_COUNTS, type IngressCounts } from './counts';
