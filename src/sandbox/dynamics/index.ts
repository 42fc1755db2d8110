export {
  startDynamicsSimulator,
  API_PATH,
  type DynamicsSimulator,
  type DynamicsSimulatorOptions,
  type RequestRecord,
} from './server';
export { generateLoopbackCertificate, type LoopbackCertificate } from './certificate';
export { Database, APPLICATION_USER_ID, type DatabaseOptions } from './database';
export { Faults, type FaultOptions, type MalformedForm } from './faults';
export { type ServiceProtectionLimits } from './throttle';
export {
  DynamicsCost,
  NO_DYNAMICS_COST,
  PRODUCTION_LIKE_DYNAMICS_COST,
  writeCeilingPerSecond,
  type DynamicsCostOptions,
  type LimitsInForce,
} from './cost';
export { buildSchema, type TableDefinition, type ColumnDefinition } from './schema';
export { seededId } from './seed';
export { startLoyaltyData, type LoyaltyData, type LoyaltyDataOptions } from './loyalty-data';
export {
  startChangeGenerator,
  type ChangeGenerator,
  type ChangeGeneratorOptions,
  type ChangeMix,
  type ChangeCounts,
} from './change-generator';
