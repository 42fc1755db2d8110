// Every workflow the worker registers. Workflow files import activity *types* only.
export { workerCheckWorkflow } from './worker-check';
export { ingressManagerWorkflow } from './ingress/manager';
export { ingressPassWorkflow } from './ingress/pass';
export { initialTransferWorkflow } from './ingress/initial-transfer';
export { ingressRedriveWorkflow } from './ingress/redrive';
export { egressManagerWorkflow } from './egress/manager';
export { egressPassWorkflow } from './egress/pass';
export { egressRedriveWorkflow } from './egress/redrive';
export { optOutManagerWorkflow } from './optout/manager';
export { optOutPassWorkflow } from './optout/pass';
export { verifyWorkflow } from './verify/workflow';
export { verifyManagerWorkflow } from './verify/manager';
