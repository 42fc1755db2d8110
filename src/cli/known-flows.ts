import { type Config } from '../config/schema';
import { managerWorkflowId } from '../temporal/flow-ids';
import { configuredFlows } from '../temporal/start-flows';
import { CliError } from './errors';

/**
 * The flow names a command acts on: the names given (`ingress:contacts`, `egress`, `optout`), or every configured flow
 * for `all`. A name the configuration does not have is refused, naming those it has.
 */
export function requireKnownFlows(names: readonly string[], config: Config): string[] {
  const known = configuredFlows(config);
  // A workflow id of this deployment (`eu/egress`, as status prints it) names its flow too.
  const prefix = config.temporal.deployment ? `${config.temporal.deployment}/` : undefined;
  const named = names.map((name) => (prefix && name.startsWith(prefix) ? name.slice(prefix.length) : name));
  const wanted = named.includes('all') ? known : named;
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new CliError(
      `unknown flow ${unknown.join(', ')}; the configuration has: ${known.join(', ') || 'no flow'}. ` +
        'Ingress flows are named ingress:<mapping>.'
    );
  }
  return wanted;
}

/** The one flow a command acts on; `all` is refused since the command needs exactly one. */
export function requireOneKnownFlow(name: string, config: Config): string {
  if (name === 'all') throw new CliError('name one flow (all is not allowed here), e.g. ingress:contacts', 2);
  const [flow] = requireKnownFlows([name], config);
  return flow ?? name;
}

/** The manager workflow id of a flow in the configuration's deployment (`eu/ingress:contacts`, or the name alone). */
export function workflowIdOf(flow: string, config: Config): string {
  return managerWorkflowId(flow, config.temporal.deployment);
}
