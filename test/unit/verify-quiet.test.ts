import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultQuietMs } from '../../src/activities/verify/settings';
import { parseConfig } from '../../src/config/load';
import { type Config } from '../../src/config/schema';

const example = (): Config => {
  const result = parseConfig(readFileSync(path.join(__dirname, '..', '..', 'config', 'example.yaml'), 'utf8'));
  if (!result.ok) throw new Error('the example configuration is invalid');
  return result.config;
};

describe('verify: the default quiet period', () => {
  it.each([
    ['the longest every of the ingress mappings and opt-out (example: opt-out 1h)', (c: Config) => c, 3_600_000],
    [
      'opt-out disabled: the longest ingress every (example: 15m)',
      (c: Config) => ({ ...c, optOut: { ...c.optOut!, mode: 'disabled' as const } }),
      900_000,
    ],
    ['no ingress and no opt-out: none', (c: Config) => ({ ...c, ingress: [], optOut: undefined }), 0],
  ])('%s', (_what, change, expected) => {
    expect(defaultQuietMs(change(example()))).toBe(expected);
  });
});
