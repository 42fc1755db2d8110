import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging/logger';

/** The JSON lines a logger built like the worker's (`component: worker`, children per connector) writes. */
function capture(): { destination: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { destination, lines: () => chunks.join('').trim().split('\n') };
}

describe('createLogger: one component key per line', () => {
  it.each([
    ['the logger itself', (l: ReturnType<typeof createLogger>) => l.info('x'), 'worker'],
    [
      'a connector child',
      (l: ReturnType<typeof createLogger>) => l.child({ component: 'dynamics' }).info('x'),
      'dynamics',
    ],
    [
      "a child's child",
      (l: ReturnType<typeof createLogger>) => l.child({ component: 'sftp' }).child({ file: 'a' }).info('x'),
      'sftp',
    ],
    [
      'a line naming its own',
      (l: ReturnType<typeof createLogger>) => l.info({ component: 'temporal' }, 'x'),
      'temporal',
    ],
  ])('%s', (_case, log, expected) => {
    const { destination, lines } = capture();
    log(createLogger({ format: 'json', level: 'info', bindings: { component: 'worker' }, destination }));
    const [line] = lines();
    expect(line!.match(/"component":/g)).toHaveLength(1);
    expect((JSON.parse(line!) as { component: string }).component).toBe(expected);
  });

  it('keeps the other bindings on every line', () => {
    const { destination, lines } = capture();
    const logger = createLogger({ format: 'json', bindings: { component: 'worker', region: 'eu' }, destination });
    logger.child({ component: 'campaign' }).warn('y');
    expect(JSON.parse(lines()[0]!)).toMatchObject({ component: 'campaign', region: 'eu', msg: 'y' });
  });
});
