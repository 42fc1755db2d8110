import { readFileSync, writeFileSync } from 'node:fs';

/** Resident memory of a process, in MiB, from /proc/<pid>/status. */
export interface MemoryReading {
  /** Peak resident set size since start or since the last {@link resetPeak} (the kernel's own high-water mark). */
  peakMiB: number;
  rssMiB: number;
}

/** Reads VmHWM and VmRSS of a live process; undefined once it is gone. */
export function readMemory(pid: number): MemoryReading | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
}

/**
 * Resets the kernel's peak RSS of a process to its current RSS (`echo 5 > /proc/<pid>/clear_refs`), so that a
 * later VmHWM covers only what follows (e.g. the transfer, not the worker's start-up with its workflow bundling).
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples a process's RSS every `intervalMs` and keeps the largest value seen (a cross-check of VmHWM). */
export class MemorySampler {
  private maxRss = 0;
  private last: MemoryReading | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 200
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  /** Forgets the maximum so far (with {@link resetPeak} at the start of the measured phase). */
  restart(): void {
    this.maxRss = 0;
    this.sample();
  }

  /** The kernel's peak (VmHWM) and the sampled maximum, read now. */
  stop(): { peakMiB: number; sampledMaxMiB: number } {
    this.sample();
    clearInterval(this.timer);
    return { peakMiB: this.last?.peakMiB ?? 0, sampledMaxMiB: this.maxRss };
  }

  private sample(): void {
    const reading = readMemory(this.pid);
    if (!reading) return;
    this.last = reading;
    this.maxRss = Math.max(this.maxRss, reading.rssMiB);
  }
}
