import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadAverage, machineInfo } from './machine';

/** One measured figure, with the load average of the machine when it was taken. */
export interface Figure {
  name: string;
  value: string;
  /** What the goal is and whether it was met, when the issue sets one. */
  goal?: string;
  load: string;
}

/** Collects a benchmark's figures, prints each as it is measured, and appends them all to a results file. */
export class Results {
  private readonly figures: Figure[] = [];
  private readonly notes: string[] = [];
  private readonly startedAt = new Date();

  constructor(
    readonly benchmark: string,
    private readonly command: string
  ) {}

  /** Records a figure (the load average is read now) and prints it. */
  add(name: string, value: string | number, goal?: string): void {
    const figure: Figure = { name, value: String(value), load: loadAverage(), ...(goal ? { goal } : {}) };
    this.figures.push(figure);
    console.log(`[${this.benchmark}] ${name}: ${figure.value}${goal ? `  (${goal})` : ''}  [load ${figure.load}]`);
  }

  /** A sentence printed and kept under the table (what was measured how, or why a figure is missing). */
  note(text: string): void {
    this.notes.push(text);
    console.log(`[${this.benchmark}] note: ${text}`);
  }

  /** Appends this run as a section of `file`, creating it with a heading when missing. */
  append(file: string): void {
    const machine = machineInfo();
    if (!existsSync(file)) {
      writeFileSync(
        file,
        '# Benchmark runs\n\nAppended by `npm run bench` (see bench/README.md); newest last. ' +
          'Each figure carries the load average (1, 5, 15 min) of the machine when it was taken.\n'
      );
    }
    const lines = [
      '',
      `## ${this.benchmark} — ${this.startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}`,
      '',
      `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}. ` +
        `Command: \`${this.command}\`.`,
      '',
      '| figure | value | goal | load avg |',
      '| --- | --- | --- | --- |',
      ...this.figures.map((f) => `| ${f.name} | ${f.value} | ${f.goal ?? ''} | ${f.load} |`),
      ...(this.notes.length > 0 ? ['', ...this.notes.map((n) => `- ${n}`)] : []),
      '',
    ];
    appendFileSync(file, lines.join('\n'));
    console.log(`[${this.benchmark}] appended to ${path.relative(process.cwd(), file)}`);
  }
}

/** `12,345.6` */
export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Whether a goal is met, as the table says it: `goal >= 0.85: met`. */
export function goal(text: string, met: boolean): string {
  return `${text}: ${met ? 'met' : 'MISSED'}`;
}
