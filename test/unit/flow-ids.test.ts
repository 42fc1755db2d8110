import { flowOfWorkflowId, ingressMappingOf, managerWorkflowId } from '../../src/temporal/flow-ids';

describe('workflow ids of flows, with and without a deployment name', () => {
  it.each([
    ['ingress:contacts', undefined, 'ingress:contacts'],
    ['egress', undefined, 'egress'],
    ['ingress:contacts', 'eu', 'eu/ingress:contacts'],
    ['optout', 'us-east', 'us-east/optout'],
  ])('%s in deployment %s is %s', (flow, deployment, id) => {
    expect(managerWorkflowId(flow, deployment)).toBe(id);
    expect(flowOfWorkflowId(id)).toBe(flow);
  });

  it.each([
    ['ingress:contacts', 'contacts'],
    ['eu/ingress:contacts', 'contacts'],
    ['egress', undefined],
    ['eu/egress', undefined],
  ])('the mapping of %s is %s', (id, mapping) => {
    expect(ingressMappingOf(id)).toBe(mapping);
  });
});
