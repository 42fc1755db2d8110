// Every workflow the worker registers. Workflow files import activity *types* only.
export { workerCheckWorkflow } from './worker-check';
