import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { promisify } from 'node:util';
import Ssh2SftpClient from 'ssh2-sftp-client';
import { SftpClient } from '../../src/connectors/sftp';
import { clientOptionsFor, startSshd, waitForSessionCount, type SshdServer } from '../harness/sshd';

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

describe('real OpenSSH sshd harness', () => {
  it('uploads and reads back a file with ssh2-sftp-client', async () => {
    const raw = new Ssh2SftpClient('harness-test', {});
    await raw.connect({
      host: server.host,
      port: server.port,
      username: server.username,
      privateKey: server.privateKey,
      hostVerifier: (key: Buffer) => key.length > 0 && server.hostPublicKey.includes(key.toString('base64')),
    });
    try {
      await raw.put(Buffer.from('hello, sftp\n'), `${server.root}/hello.txt`);
      const back = await raw.get(`${server.root}/hello.txt`);
      expect(Buffer.isBuffer(back) && back.toString('utf8')).toBe('hello, sftp\n');
      expect(await readFile(path.join(server.root, 'hello.txt'), 'utf8')).toBe('hello, sftp\n');
    } finally {
      await raw.end();
    }
    await waitForSessionCount(server, 0);
  });

  it('reports the host key fingerprint exactly as ssh-keygen -l prints it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'host-key-'));
    try {
      const file = path.join(dir, 'host.pub');
      await writeFile(file, `${server.hostPublicKey}\n`);
      const { stdout } = await promisify(execFile)('ssh-keygen', ['-l', '-E', 'sha256', '-f', file]);
      expect(stdout.split(' ')[1]).toBe(server.hostKeyFingerprint);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('SftpClient against the real sshd', () => {
  it('uploads from a stream and reads the file back as a stream', async () => {
    const result = await client.upload('in/contacts.csv', Readable.from(['id,email\n', '1,a@example.test\n']));
    expect(result).toEqual({ path: `${server.root}/in/contacts.csv`, bytes: 26 });
    const stream = await client.openReadStream('in/contacts.csv');
    expect(await text(stream)).toBe('id,email\n1,a@example.test\n');
  });

  it('replaces an existing file on re-upload and leaves no .part behind', async () => {
    await client.upload('replace/file.txt', Readable.from(['first version']));
    await client.upload('replace/file.txt', Readable.from(['second']));
    expect(await readFile(path.join(server.root, 'replace/file.txt'), 'utf8')).toBe('second');
    const names = (await client.list('replace', { includePartial: true, type: 'any' })).map((entry) => entry.name);
    expect(names).toEqual(['file.txt']);
  });

  it('lists files filtered by name and ordered by name or modification time, hiding unfinished uploads', async () => {
    const dir = path.join(server.root, 'exports');
    await mkdir(path.join(dir, 'sub'), { recursive: true });
    await writeFile(path.join(dir, 'events_002.csv'), 'b');
    await writeFile(path.join(dir, 'events_001.csv'), 'aa');
    await writeFile(path.join(dir, 'optout_001.csv'), 'c');
    await writeFile(path.join(dir, 'events_003.csv.part'), 'partial');
    const older = new Date('2026-01-01T00:00:00Z');
    await utimes(path.join(dir, 'events_002.csv'), older, older);

    const events = await client.list('exports', { match: /^events_.*\.csv$/ });
    expect(events.map((entry) => entry.name)).toEqual(['events_001.csv', 'events_002.csv']);
    expect(events[0]).toMatchObject({ path: `${server.root}/exports/events_001.csv`, type: 'file', size: 2 });

    const byTime = await client.list('exports', { match: (name) => name.startsWith('events_'), orderBy: 'modified' });
    expect(byTime.map((entry) => entry.name)).toEqual(['events_002.csv', 'events_001.csv']);

    const everything = await client.list('exports', { type: 'any', includePartial: true });
    expect(everything.map((entry) => entry.name)).toEqual([
      'events_001.csv',
      'events_002.csv',
      'events_003.csv.part',
      'optout_001.csv',
      'sub',
    ]);
    expect(everything.find((entry) => entry.name === 'sub')?.type).toBe('directory');
  });

  it('moves a file into processed/, creating the folder, and treats a repeated move as done', async () => {
    await client.upload('inbox/a.csv', Readable.from(['a']));
    await client.move('inbox/a.csv', 'inbox/processed/a.csv');
    expect(await client.stat('inbox/a.csv')).toBeUndefined();
    expect(await client.stat('inbox/processed/a.csv')).toMatchObject({ type: 'file', size: 1 });
    await expect(client.move('inbox/a.csv', 'inbox/processed/a.csv')).resolves.toBeUndefined();
    expect(await readFile(path.join(server.root, 'inbox/processed/a.csv'), 'utf8')).toBe('a');
  });

  it('creates nested directories (mkdir -p), idempotently', async () => {
    await client.mkdirp('deep/er/still');
    await client.mkdirp('deep/er/still');
    expect(await client.stat('deep/er/still')).toMatchObject({ type: 'directory' });
  });

  it('removes a file, and removing a missing one is fine', async () => {
    await client.upload('trash.txt', Readable.from(['x']));
    await client.remove('trash.txt');
    await client.remove('trash.txt');
    expect(await client.stat('trash.txt')).toBeUndefined();
  });

  it('runs concurrent uploads over the one connection', async () => {
    const names = ['c1', 'c2', 'c3', 'c4'];
    await Promise.all(names.map((name) => client.upload(`concurrent/${name}.txt`, Readable.from([name.repeat(1000)]))));
    for (const name of names) {
      expect(await readFile(path.join(server.root, `concurrent/${name}.txt`), 'utf8')).toBe(name.repeat(1000));
    }
    expect(server.sessionCount()).toBe(1);
  });

  it('reuses one connection for many calls', async () => {
    await client.list('.');
    await client.stat('in/contacts.csv');
    await client.upload('reuse.txt', Readable.from(['r']));
    await client.list('.');
    expect(server.sessionCount()).toBe(1);
  });

  it('reconnects after the connection drops', async () => {
    await client.list('.');
    expect(await server.dropConnections()).toBeGreaterThan(0);
    const listing = await client.list('in');
    expect(listing.map((entry) => entry.name)).toEqual(['contacts.csv']);
    const stream = await client.openReadStream('in/contacts.csv');
    expect(await text(stream)).toContain('a@example.test');
    expect(server.sessionCount()).toBe(1);
  });
});
