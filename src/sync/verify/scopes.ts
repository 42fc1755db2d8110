import { type OptOutMode } from '../optout/decide';

/** One thing verify checks: an ingress mapping, the opt-out pairs, or egress. */
export type VerifyScope =
  | {
      kind: 'ingress';
      mapping: string;
      /**
       * The flow's stored delta link, when the CLI could read it from the manager: the rows D365 changed or deleted
       * after it are the flow's pending work (not drift), whatever their age. A cursor, never data.
       */
      unappliedSince?: string;
      /** Rows the flow keeps waiting for a linked record (D365 ids, from the manager): pending, not missing. */
      waitingKeys?: string[];
    }
  | { kind: 'optout' }
  | { kind: 'egress' };

/** What of the configuration decides the scopes (plain data: the workflow gets it in its input). */
export interface ConfiguredFlows {
  ingress: readonly { name: string }[];
  optOut?: { mode: OptOutMode };
  egress?: unknown;
}

/** Every configured scope: each ingress mapping, opt-out unless disabled, egress when configured. */
export function verifyScopes(flows: ConfiguredFlows): VerifyScope[] {
  return [
    ...flows.ingress.map((mapping): VerifyScope => ({ kind: 'ingress', mapping: mapping.name })),
    ...(flows.optOut && flows.optOut.mode !== 'disabled' ? [{ kind: 'optout' } as const] : []),
    ...(flows.egress ? [{ kind: 'egress' } as const] : []),
  ];
}

/** The scope's name in results and reports: `ingress:<mapping>`, `optout`, `egress`. */
export function scopeName(scope: VerifyScope): string {
  return scope.kind === 'ingress' ? `ingress:${scope.mapping}` : scope.kind;
}

/** The scopes named by `--only` (scope names as above); unknown names are listed for the error. */
export function selectScopes(
  scopes: readonly VerifyScope[],
  only: readonly string[] | undefined
): { scopes: VerifyScope[]; unknown: string[] } {
  if (!only || only.length === 0) return { scopes: [...scopes], unknown: [] };
  const names = new Set(scopes.map(scopeName));
  return {
    scopes: scopes.filter((scope) => only.includes(scopeName(scope))),
    unknown: only.filter((name) => !names.has(name)),
  };
}

/** A verify id from its start time, fit for a workflow id and a folder name: `20261205T134500Z`. */
export function verifyIdAt(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}
