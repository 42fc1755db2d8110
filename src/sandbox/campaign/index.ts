export { startCampaignSimulator, type CampaignSimulator, type CampaignSimulatorOptions } from './campaign-simulator';
export { PRODUCTION_LIKE_CAMPAIGN_COST, type CampaignCostOptions } from './cost';
export {
  type FieldSpec,
  type FieldType,
  type CustomResourceConfig,
  type ProfileModelOptions,
  OPT_OUT_ATTRIBUTES,
} from './resource-model';
export {
  type WorkflowConfig,
  type WorkflowState,
  type SignalParameterType,
  defaultImportWorkflow,
} from './workflow-engine';
export { type FaultKind, type FaultRule, FaultInjector } from './faults';
export { type EngineCallCounts, type OptOutChange } from './record-store';
export {
  type EmailEvent,
  type EmailEventType,
  type BounceType,
  EVENT_COLUMNS,
  OPT_OUT_COLUMNS,
  ExportFeeds,
} from './export-feeds';
export { REJECTS_HEADER, type ImportReport } from './import-job';
export { parseCsv, csvLine } from './csv';
