import { convertToCampaign } from './convert';
import { rowPassesFilter } from './filter';
import { type IngressPlan, type PlannedField } from './plan';
import { choiceLabel, isChoiceColumn, readColumn } from './read-column';
import { scalarText } from '../scalar';
import { type CampaignValue, type D365Row } from './types';

/**
 * `full`: the initial transfer or a replay, every mapped field is written.
 * `incremental`: a change-tracking pass, fields with `applyUpdates: false` are left alone.
 */
export type IngressMode = 'full' | 'incremental';

export type MappedRecord =
  | { kind: 'write'; key: string; values: Record<string, CampaignValue> }
  | { kind: 'filtered-out'; key: string }
  | { kind: 'rejected'; key: string | null; reasons: string[] };

/** Maps one D365 row to the Campaign record to upsert, or says why it is filtered out or rejected. */
export function mapRecord(row: D365Row, plan: IngressPlan, mode: IngressMode): MappedRecord {
  const key = scalarText(readColumn(row, plan.key.column));
  if (key === undefined || key === '') {
    return { kind: 'rejected', key: null, reasons: [`${plan.key.column.logicalName}: the key is empty`] };
  }
  if (!rowPassesFilter(row, plan.filter)) return { kind: 'filtered-out', key };

  const values: Record<string, CampaignValue> = { [plan.key.field.name]: key };
  const reasons: string[] = [];
  for (const planned of plan.fields) {
    if (mode === 'incremental' && !planned.applyUpdates) continue;
    const source = sourceValue(row, planned, plan.picklists);
    const converted = 'reason' in source ? source : convertToCampaign(source.value, planned.field);
    if (converted.ok) values[planned.field.name] = converted.value;
    else reasons.push(converted.reason);
  }
  return reasons.length > 0 ? { kind: 'rejected', key, reasons } : { kind: 'write', key, values };
}

/** The value to convert: a replacement when one matches, else the choice label or value, else the raw value. */
function sourceValue(
  row: D365Row,
  planned: PlannedField,
  picklists: 'label' | 'value'
): { value: unknown } | { ok: false; reason: string } {
  const raw = readColumn(row, planned.column);
  const label = isChoiceColumn(planned.column) ? choiceLabel(row, planned.column) : undefined;
  const replacement = planned.replacements.find(
    (r) => sameValue(r.from, raw) || (label !== undefined && sameValue(r.from, label))
  );
  if (replacement) return { value: replacement.to };
  if (raw === null || raw === undefined || !isChoiceColumn(planned.column) || picklists === 'value')
    return { value: raw };
  if (label === undefined) {
    return {
      ok: false,
      reason: `${planned.column.logicalName}: option ${scalarText(raw)} has no label in D365 metadata`,
    };
  }
  return { value: label };
}

/** Replacement values come from YAML (1, "1", true): compare as text. */
function sameValue(configured: string | number | boolean, actual: unknown): boolean {
  return String(configured) === scalarText(actual);
}
