import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { SftpClient, SftpError } from '../../src/connectors/sftp';
import { clientOptionsFor, startSshd, type SshdServer } from '../harness/sshd';

const MB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** Random bytes made on demand (never held whole), hashed as they are handed out. */
class GeneratedBytes extends Readable {
  private readonly hash = createHash('sha256');
  private produced = 0;

  constructor(
    private readonly total: number,
    private readonly onProgress: (produced: number) => void = () => undefined
  ) {
    super({ highWaterMark: CHUNK });
  }

  override _read(): void {
    if (this.produced >= this.total) {
      this.push(null);
      return;
    }
    const chunk = randomBytes(Math.min(CHUNK, this.total - this.produced));
    this.hash.update(chunk);
    this.produced += chunk.length;
    this.onProgress(this.produced);
    this.push(chunk);
  }

  /** SHA-256 of everything produced; call once the stream has ended. */
  sha256(): string {
    return this.hash.digest('hex');
  }
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Samples RSS and heap while `work` runs; returns the growth over the values before it started. */
async function peakMemoryGrowth(work: () => Promise<void>): Promise<{ rss: number; heapUsed: number }> {
  const before = process.memoryUsage();
  const peak = { rss: before.rss, heapUsed: before.heapUsed };
  const sample = (): void => {
    const now = process.memoryUsage();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
  };
  const timer = setInterval(sample, 50);
  try {
    await work();
  } finally {
    clearInterval(timer);
    sample();
  }
  return { rss: peak.rss - before.rss, heapUsed: peak.heapUsed - before.heapUsed };
}

let server: SshdServer;
let client: SftpClient;

beforeAll(async () => {
  server = await startSshd();
  client = new SftpClient(clientOptionsFor(server));
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

describe('streaming upload to the real sshd', () => {
  it('streams 200 MB with bounded memory and the same SHA-256 on both sides', async () => {
    const size = 200 * MB;
    const source = new GeneratedBytes(size);
    let result = { path: '', bytes: 0 };
    const growth = await peakMemoryGrowth(async () => {
      result = await client.upload('big/200mb.bin', source);
    });

    expect(result.bytes).toBe(size);
    expect((await client.stat('big/200mb.bin'))?.size).toBe(size);
    expect(await sha256OfFile(path.join(server.root, 'big/200mb.bin'))).toBe(source.sha256());
    // Half the size sent: a client that held the file would grow by all of it. Tighter bounds measured
    // garbage not yet collected (CI once saw a 69 MB heap peak) rather than what is held.
    expect(growth.rss).toBeLessThan(size / 2);
    expect(growth.heapUsed).toBeLessThan(size / 2);
  }, 240_000);

  it('leaves the previous file intact when an upload is cut off, and a retry leaves exactly one correct file', async () => {
    const first = new GeneratedBytes(1 * MB);
    await client.upload('retry/data.bin', first);
    const target = path.join(server.root, 'retry/data.bin');

    let dropped: Promise<number> | undefined;
    const cutOff = new GeneratedBytes(64 * MB, (produced) => {
      if (produced >= 8 * MB) dropped ??= server.dropConnections();
    });
    const failure = await client.upload('retry/data.bin', cutOff).then(
      () => undefined,
      (error: unknown) => error
    );
    expect(await dropped).toBeGreaterThan(0);
    expect(failure).toBeInstanceOf(SftpError);
    expect(failure).toMatchObject({ kind: 'connection', operation: 'upload', remotePath: target });
    expect(cutOff.destroyed).toBe(true);
    // The final name still holds the complete previous version, never a partial one.
    expect(await sha256OfFile(target)).toBe(first.sha256());

    const retry = new GeneratedBytes(24 * MB);
    await expect(client.upload('retry/data.bin', retry)).resolves.toEqual({ path: target, bytes: 24 * MB });
    expect(await readdir(path.join(server.root, 'retry'))).toEqual(['data.bin']);
    expect(await sha256OfFile(target)).toBe(retry.sha256());
  });

  it('fails the upload, and writes nothing under the final name, when the source stream fails', async () => {
    let emitted = 0;
    const broken = new Readable({
      read() {
        emitted += 1;
        if (emitted > 3) this.destroy(new Error('source database went away'));
        else this.push(randomBytes(CHUNK));
      },
    });
    const failure = await client.upload('broken/out.bin', broken).then(
      () => undefined,
      (error: unknown) => error
    );
    expect(failure).toBeInstanceOf(SftpError);
    expect((failure as SftpError).message).toContain('source database went away');
    expect((failure as SftpError).remotePath).toBe(path.join(server.root, 'broken/out.bin'));
    expect(await client.stat('broken/out.bin')).toBeUndefined();
    expect(await client.list('broken', { includePartial: true })).toEqual([]);
  });

  it('fails, rather than hangs, when the source stream is destroyed without an error', async () => {
    let emitted = 0;
    const abandoned = new Readable({
      read() {
        emitted += 1;
        if (emitted > 2) this.destroy();
        else this.push(randomBytes(CHUNK));
      },
    });
    const failure = await client.upload('abandoned/out.bin', abandoned).then(
      () => undefined,
      (error: unknown) => error
    );
    expect(failure).toBeInstanceOf(SftpError);
    expect((failure as SftpError).message).toMatch(/premature close/i);
    expect(await client.stat('abandoned/out.bin')).toBeUndefined();
  });
});
