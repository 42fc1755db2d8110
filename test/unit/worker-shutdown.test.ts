import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { durationToMs } from '../../src/config/duration';
import { validateConfig } from '../../src/config/load';
import { failureReason, FORCE_AFTER_GRACE_MS, shutdownTimes } from '../../src/worker-shutdown';
import { PROJECT_ROOT } from '../harness/cli';

describe('worker shutdown times', () => {
  it.each([
    ['30s', 30_000],
    ['2m', 120_000],
    ['500ms', 500],
  ])('a grace time of %s lets activities run %i ms, then gives up 10 s later', (grace, graceMs) => {
    expect(shutdownTimes({ shutdownGraceTime: grace })).toEqual({
      shutdownGraceTime: graceMs,
      shutdownForceTime: graceMs + FORCE_AFTER_GRACE_MS,
    });
  });

  it.each([
    ['a failure while running', undefined, 'connection lost'],
    ['a failure before the force time', 5_000, 'connection lost'],
    [
      'the force time passing with activities still running',
      40_000,
      'activities were still running 10 s after the grace time (worker.shutdownGraceTime); they run again on another worker',
    ],
  ])('explains %s', (_name, stoppingForMs, expected) => {
    expect(failureReason(new Error('connection lost'), stoppingForMs, 40_000)).toBe(expected);
  });

  it("gives the compose worker a stop_grace_period longer than the default grace time and the writes' settling", () => {
    const example = YAML.parse(readFileSync(path.join(PROJECT_ROOT, 'config', 'example.yaml'), 'utf8')) as unknown;
    const validated = validateConfig(example);
    if (!validated.ok) throw new Error('config/example.yaml is invalid');
    const compose = YAML.parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: { worker: { stop_grace_period?: string } };
    };
    const stopPeriod = compose.services.worker.stop_grace_period;
    expect(stopPeriod).toEqual(expect.any(String));
    expect(durationToMs(stopPeriod!)).toBeGreaterThan(shutdownTimes(validated.config.worker).shutdownForceTime);
  });
});
