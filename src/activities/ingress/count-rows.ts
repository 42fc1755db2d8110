import { type DynamicsClient } from '../../connectors/dynamics';
import { type CountSourceRowsResult } from './contracts';

/** Dataverse caps `$count` at this many rows. */
const COUNT_CAP = 5000;

/**
 * Rows in a D365 table, inactive ones included (no filter). `$count` is exact but capped at 5,000; above that,
 * `RetrieveTotalRecordCount` answers a snapshot Dataverse refreshes within 24 hours. The count only chooses the API
 * path or the file path of the initial transfer, so a day-old snapshot is close enough; it is never taken below the
 * cap (a new table's snapshot may still be 0).
 */
export async function countSourceRows(
  client: DynamicsClient,
  table: { logicalName: string; entitySetName: string }
): Promise<CountSourceRowsResult> {
  const exact = await client.count(table.entitySetName);
  if (exact < COUNT_CAP) return { rows: exact };
  const snapshot = (await client.totalRecordCount([table.logicalName]))[table.logicalName] ?? 0;
  return { rows: Math.max(exact, snapshot) };
}
