/**
 * Flow names (`ingress:contacts`, `egress`, `optout`, as operators type them) and the workflow ids of their managers.
 * Several deployments may share one Temporal namespace: a named deployment's ids start with `<deployment>/`
 * (`eu/ingress:contacts`, and its passes `eu/ingress:contacts:pass:3`); without a name the id is the flow name.
 */

/** The manager's workflow id of a flow in a deployment. */
export function managerWorkflowId(flow: string, deployment: string | undefined): string {
  return deployment ? `${deployment}/${flow}` : flow;
}

/** The flow name in a manager's (or its children's) workflow id, whatever its deployment. */
export function flowOfWorkflowId(workflowId: string): string {
  const slash = workflowId.indexOf('/');
  return slash === -1 ? workflowId : workflowId.slice(slash + 1);
}

/** The mapping of an `ingress:<mapping>` flow (or its manager's workflow id); undefined for egress and optout. */
export function ingressMappingOf(flowOrWorkflowId: string): string | undefined {
  const flow = flowOfWorkflowId(flowOrWorkflowId);
  return flow.startsWith('ingress:') ? flow.slice('ingress:'.length) : undefined;
}

/** The visibility filter of one deployment's workflows (empty for the unnamed one), to AND with other conditions. */
export function deploymentFilter(deployment: string | undefined): string {
  return deployment ? ` AND WorkflowId STARTS_WITH '${deployment}/'` : '';
}
