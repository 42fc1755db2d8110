import { type D365Row, type IngressPlan } from '../../sync/ingress';
import { readColumn } from '../../sync/ingress/read-column';
import { type RejectRow, valueKind } from './rejects-report';

const LEADING_NAME = /^([A-Za-z_][A-Za-z0-9_]*):/;
const QUOTED = /'([^']*)'/g;

/**
 * The report rows of a record mapRecord rejected: one per reason. Reasons start with the field or column they are
 * about (`firstName: 40 characters, …`); the value kind is read from that column of the row.
 */
export function rejectRowsOfRecord(
  row: D365Row,
  plan: IngressPlan,
  key: string | null,
  reasons: readonly string[]
): RejectRow[] {
  return reasons.map((reason) => {
    const name = LEADING_NAME.exec(reason)?.[1];
    const column =
      name === undefined
        ? undefined
        : plan.key.column.logicalName === name
          ? plan.key.column
          : plan.fields.find((p) => p.field.name === name || p.column.logicalName === name)?.column;
    return {
      key: key ?? '',
      field: name ?? '(record)',
      valueKind: column ? valueKind(readColumn(row, column)) : 'absent',
      reason,
    };
  });
}

/** One line of a Campaign import rejects file (`recordNumber,key,errorCode,errorMessage`). */
export interface ImportReject {
  recordNumber: string;
  key: string;
  errorCode: string;
  errorMessage: string;
}

/**
 * The report row of a record Campaign's import refused. Campaign's messages may quote the refused value
 * (`'x' is not a valid constant for 'gender'`): quoted text is kept only when it is the resource or one of its
 * mapped `fields`, so no value reaches the report. The field is the first quoted field name, else `(record)`.
 */
export function rejectRowOfImport(
  reject: ImportReject,
  fileName: string,
  target: { resource: string; fields: ReadonlySet<string> }
): RejectRow {
  let field: string | undefined;
  const message = reject.errorMessage.replace(QUOTED, (quoted, inner: string) => {
    if (inner === target.resource) return quoted;
    if (!target.fields.has(inner)) return "'…'";
    field ??= inner;
    return quoted;
  });
  const code = reject.errorCode === '' ? '' : `${reject.errorCode} `;
  return {
    key: reject.key,
    field: field ?? '(record)',
    valueKind: 'string',
    reason: `Campaign import refused record ${reject.recordNumber} of ${fileName}: ${code}${message}`,
  };
}
