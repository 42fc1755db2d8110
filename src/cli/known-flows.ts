import { type Config } from '../config/schema';
import { configuredFlows } from '../temporal/start-flows';
import { CliError } from './errors';

/**
 * The flow ids a command acts on: the names given (`ingress:contacts`, `egress`, `optout`), or every configured flow
 * for `all`. A name the configuration does not have is refused, naming those it has.
 */
export function requireKnownFlows(names: readonly string[], config: Config): string[] {
  const known = configuredFlows(config);
  const wanted = names.includes('all') ? known : [...names];
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

/** The mapping of an `ingress:<mapping>` flow id; undefined for egress and optout. */
export function ingressMappingOf(flowId: string): string | undefined {
  return flowId.startsWith('ingress:') ? flowId.slice('ingress:'.length) : undefined;
}
