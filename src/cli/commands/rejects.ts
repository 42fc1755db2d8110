import { type Command } from 'commander';
import { type z } from 'zod';
import { egressRedriveWorkflow, ingressRedriveWorkflow } from '../../workflows';
import { FlowKey, MappingKey } from '../../workflows/search-attributes';
import { configPathFrom, loadConfigOrExit } from '../config-file';
import { CliError } from '../errors';
import { ingressMappingOf } from '../../temporal/flow-ids';
import { requireOneKnownFlow, workflowIdOf } from '../known-flows';
import { print } from '../output';
import { describeCounts } from '../render/flow-status';
import { redriveReportSchema, rejectsReportSchema } from '../report-schemas';
import { listRejectsReports, readRejectsRows, rejectsFolder } from '../rejects-reports';
import { connectClient } from '../temporal-client';

interface RejectsOptions {
  config?: string;
  show?: string;
  redrive?: boolean | string[];
  json?: boolean;
}

export function registerRejectsCommand(program: Command): void {
  program
    .command('rejects')
    .description(
      "List a flow's rejects reports (records a pass could not write, and why), show one, or re-drive them after a " +
        'fix: ingress applies the current D365 rows of their keys again, egress the listed event lines.'
    )
    .argument('<flow>', 'ingress:<mapping> or egress')
    .option('-c, --config <file>', 'configuration file (default: $ACS_D365_CONFIG); its reports.folder is read')
    .option('--show <report>', 'print the lines of one report (key, field, value kind, reason; never values)')
    .option('--redrive [reports...]', 're-drive these reports, or every listed report when none is named')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
Run it where the worker's reports.folder is readable (the same machine or a shared volume).
A re-driven report is renamed *.redriven; records still refused go to a new report. Writes are keyed (record key,
event id), so re-driving next to running passes, or twice, duplicates nothing.

Examples:
  $ acs-d365 rejects ingress:contacts --config acs-d365.yaml
  $ acs-d365 rejects ingress:contacts --show contacts-pass-3-1a2b3c4d.csv
  $ acs-d365 rejects ingress:contacts --redrive                 after fixing the data in D365 or the mapping
  $ acs-d365 rejects egress --redrive                           after creating the missing contacts`
    )
    .action(async (name: string, options: RejectsOptions) => {
      const file = configPathFrom(options.config);
      const config = await loadConfigOrExit(file);
      const flow = requireOneKnownFlow(name, config);
      if (flow === 'optout') {
        throw new CliError(
          `optout has no rejects: it writes an audit of every decision under ${config.reports.folder}/optout ` +
            '(see docs/optout.md)',
          2
        );
      }
      const folder = rejectsFolder(config.reports.folder, flow);
      if (options.show) return showReport(folder, options.show, options.json === true);
      const reports = await listRejectsReports(folder);
      if (options.redrive) {
        const names = options.redrive === true ? reports.map((report) => report.name) : options.redrive;
        return redrive(
          file,
          flow,
          workflowIdOf(flow, config),
          names,
          reports.map((report) => report.name),
          options.json === true
        );
      }
      if (options.json) return print(JSON.stringify(rejectsReportSchema.parse({ flow, folder, reports }), null, 2));
      if (reports.length === 0) return print(`${flow}: no rejects report in ${folder}`);
      for (const report of reports) {
        print(`${report.name}  ${report.records} records, ${report.lines} lines, written ${report.modifiedAt}`);
        for (const { reason, count } of report.reasons.slice(0, 5))
          print(`    ${String(count).padStart(6)}  ${reason}`);
      }
    });
}

async function showReport(folder: string, name: string, json: boolean): Promise<void> {
  if (name.includes('/') || name.includes('\\'))
    throw new CliError(`--show takes a report name as listed, not a path`, 2);
  const rows = await readRejectsRows(`${folder}/${name}`).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new CliError(`no report ${name} in ${folder}; list them without --show`);
    throw err;
  });
  if (json) return print(JSON.stringify(rows, null, 2));
  for (const row of rows) print(Object.values(row).join('  '));
}

async function redrive(
  configFile: string,
  flow: string,
  managerId: string,
  names: string[],
  listed: string[],
  json: boolean
): Promise<void> {
  const missing = names.filter((name) => !listed.includes(name));
  if (missing.length > 0)
    throw new CliError(`no report ${missing.join(', ')}; the flow has: ${listed.join(', ') || 'none'}`);
  if (names.length === 0) {
    if (json) printRedrive({ flow, workflowId: null, reports: [], redriven: 0, counts: {}, leftAlone: 0 });
    else print(`${flow}: no rejects report to re-drive`);
    return;
  }
  const connected = await connectClient(configFile);
  try {
    const workflowId = `${managerId}:redrive:${new Date().toISOString().replace(/[-:.]/g, '')}`;
    if (!json) print(`${flow}: re-driving ${names.length} report(s) as workflow ${workflowId}…`);
    const start = { workflowId, taskQueue: connected.settings.taskQueue };
    const mapping = ingressMappingOf(flow);
    if (mapping) {
      const result = await connected.client.workflow.execute(ingressRedriveWorkflow, {
        ...start,
        args: [{ mapping, reports: names }],
        typedSearchAttributes: [
          { key: FlowKey, value: 'ingress' },
          { key: MappingKey, value: mapping },
        ],
        staticSummary: `${mapping}: re-drive of ${names.length} rejects report(s)`,
      });
      if (json) {
        printRedrive({
          flow,
          workflowId,
          reports: names,
          redriven: result.keys,
          counts: { ...result.counts },
          leftAlone: result.unkeyed,
          ...(result.rejectsReport ? { stillRejected: result.rejectsReport } : {}),
        });
        return;
      }
      print(`${flow}: ${result.keys} records re-driven: ${describeCounts({ ...result.counts })}`);
      if (result.unkeyed > 0) print(`  ${result.unkeyed} lines had no usable key and were left as they are`);
      if (result.rejectsReport) print(`  still rejected: see ${result.rejectsReport} (acs-d365 rejects ${flow})`);
    } else {
      const result = await connected.client.workflow.execute(egressRedriveWorkflow, {
        ...start,
        args: [{ reports: names }],
        typedSearchAttributes: [{ key: FlowKey, value: 'egress' }],
        staticSummary: `egress: re-drive of ${names.length} rejects report(s)`,
      });
      if (json) {
        printRedrive({
          flow,
          workflowId,
          reports: names,
          redriven: result.lines,
          counts: { ...result.counts },
          leftAlone: result.wholeFile,
          ...(result.rejectsReport ? { stillRejected: result.rejectsReport } : {}),
        });
        return;
      }
      print(`${flow}: ${result.lines} event lines re-driven: ${describeCounts({ ...result.counts })}`);
      if (result.wholeFile > 0) print(`  ${result.wholeFile} lines were about a whole file and were left as they are`);
      if (result.rejectsReport) print(`  still rejected: see ${result.rejectsReport} (acs-d365 rejects ${flow})`);
    }
  } finally {
    await connected.close();
  }
}

function printRedrive(report: z.input<typeof redriveReportSchema>): void {
  print(JSON.stringify(redriveReportSchema.parse(report), null, 2));
}
