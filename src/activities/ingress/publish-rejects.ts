import { publishReport } from '../publish-report';
import { type WorkerResources } from '../resources';
import { type PublishRejectsReportInput, type PublishRejectsReportResult } from './contracts';
import { RejectsReport } from './rejects-report';

/** Publishes a pass's rejects report to `reports.sftpFolder` as `ingress_<mapping>_<reportId>.csv`. */
export function publishRejectsReportActivity(resources: WorkerResources) {
  return async function publishRejectsReport(input: PublishRejectsReportInput): Promise<PublishRejectsReportResult> {
    const report = new RejectsReport(resources.config.reports.folder, input.mapping, input.reportId);
    return await publishReport(resources, report.file, `ingress_${input.mapping}_${input.reportId}.csv`);
  };
}
