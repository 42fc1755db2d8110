import { type BounceType, type EmailEvent, type EmailEventType } from './event';

/** Which events become D365 activities (`egress.events` and `egress.bounceTypes`). */
export interface EventSelection {
  events: Record<EmailEventType, boolean>;
  bounceTypes: readonly BounceType[];
}

/** Whether the event's type is switched on and, for a bounce, its bounce type is one of those selected. */
export function isSelected(event: EmailEvent, selection: EventSelection): boolean {
  if (!selection.events[event.type]) return false;
  if (event.type !== 'bounce') return true;
  return event.bounceType !== undefined && selection.bounceTypes.includes(event.bounceType);
}
