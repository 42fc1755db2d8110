import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** Where a figure was measured: the machine and how busy it was. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
}

/** CPU model, logical cores, total memory and the Node version of this process. */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
  };
}

/** The 1, 5 and 15 minute load averages as /proc/loadavg shows them (the machine is shared). */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
