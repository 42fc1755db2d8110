/** Workflow ids: readable in the Temporal UI, and one manager per mapping (a second start finds the first). */
export const ingressManagerId = (mapping: string): string => `ingress:${mapping}`;
export const ingressPassId = (mapping: string, pass: number): string => `ingress:${mapping}:pass:${pass}`;
export const initialTransferId = (mapping: string, attempt: number): string => `ingress:${mapping}:initial:${attempt}`;
