import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { fingerprintOfPublicKeyLine } from '../connectors/sftp/host-key';

const execFileAsync = promisify(execFile);

export interface SshdOptions {
  /** The sshd binary. @default process.env.SSHD_PATH ?? '/usr/sbin/sshd' */
  sshdPath?: string;
  /** Loopback port to listen on. @default a free port */
  port?: number;
  /** Directory served over SFTP (created if missing). @default `<temp dir>/root` */
  root?: string;
  /** Serve SFTP read-only (`internal-sftp -R`): every write is refused with "permission denied". @default false */
  readOnly?: boolean;
  /** How long to wait for sshd to listen. @default 10000 */
  startTimeoutMs?: number;
  /** Receives sshd's log lines (e.g. to forward them to a logger). @default lines are discarded */
  onLog?: (line: string) => void;
}

/** A running OpenSSH server on loopback that only speaks SFTP, with a key pair generated for this run. */
export interface SshdServer {
  host: string;
  port: number;
  /** The only user that may log in: the user running this process. */
  username: string;
  /** Private key authorized for `username` (OpenSSH format, unencrypted). */
  privateKey: string;
  /** The server's host key, OpenSSH public-key line (`ssh-ed25519 AAAA…`). */
  hostPublicKey: string;
  /** The server's host key fingerprint as `ssh-keygen -l` prints it (`SHA256:…`). */
  hostKeyFingerprint: string;
  /** Absolute path of the served directory; SFTP sessions start in it. */
  root: string;
  /** Number of open SSH connections (sshd forks one process per connection). */
  sessionCount(): number;
  /** Kills every live session (as a network drop would); the server keeps listening. Returns how many were killed. */
  dropConnections(): Promise<number>;
  /** Kills the sessions and the server; removes the generated keys and config (and `root` unless it was given). */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_PORT_ATTEMPTS = 5;

/**
 * Starts a real OpenSSH `sshd` for the sandbox and the tests: a free loopback port, a host key and a client key pair
 * generated into a temp dir, `internal-sftp` only (no shell, no forwarding), public-key authentication only.
 * Password authentication is not offered: it would need a system account with a password, which a test run must not
 * create.
 */
export async function startSshd(options: SshdOptions = {}): Promise<SshdServer> {
  const sshdPath = options.sshdPath ?? process.env.SSHD_PATH ?? '/usr/sbin/sshd';
  if (!existsSync(sshdPath)) {
    throw new Error(
      `OpenSSH server not found at ${sshdPath}: install the Debian package openssh-server ` +
        '(or run scripts/setup.sh), or set SSHD_PATH.'
    );
  }
  if (options.root !== undefined && /\s/.test(options.root)) {
    throw new Error(`sshd root must not contain whitespace (sshd_config cannot express it): ${options.root}`);
  }
  ensurePrivilegeSeparationDir();
  const dir = await mkdtemp(path.join(tmpdir(), 'acs-d365-sshd-'));
  try {
    const root = options.root === undefined ? path.join(dir, 'root') : path.resolve(options.root);
    await mkdir(root, { recursive: true });
    const keys = await generateKeys(dir);
    const username = userInfo().username;
    const started = await listen(sshdPath, dir, options.port, {
      root,
      username,
      readOnly: options.readOnly ?? false,
      timeoutMs: options.startTimeoutMs ?? 10_000,
      onLog: options.onLog,
    });
    return runningServer(started, { dir, root, username, keys });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

interface GeneratedKeys {
  privateKey: string;
  hostPublicKey: string;
  hostKeyFingerprint: string;
}

async function generateKeys(dir: string): Promise<GeneratedKeys> {
  const hostKeyPath = path.join(dir, 'ssh_host_ed25519_key');
  const clientKeyPath = path.join(dir, 'client_ed25519_key');
  await Promise.all([sshKeygen(hostKeyPath, 'acs-d365 test host'), sshKeygen(clientKeyPath, 'acs-d365 test client')]);
  const hostPublicKey = (await readFile(`${hostKeyPath}.pub`, 'utf8')).trim();
  await writeFile(path.join(dir, 'authorized_keys'), await readFile(`${clientKeyPath}.pub`, 'utf8'), { mode: 0o600 });
  return {
    privateKey: await readFile(clientKeyPath, 'utf8'),
    hostPublicKey,
    hostKeyFingerprint: fingerprintOfPublicKeyLine(hostPublicKey),
  };
}

async function sshKeygen(file: string, comment: string): Promise<void> {
  try {
    await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  } catch (error) {
    throw new Error(`ssh-keygen failed (install openssh-client): ${(error as Error).message}`);
  }
}

/** sshd refuses to start as root without its privilege-separation directory (scripts/setup.sh creates it too). */
function ensurePrivilegeSeparationDir(): void {
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
}

interface ConfigInput {
  root: string;
  username: string;
  readOnly: boolean;
  timeoutMs: number;
  onLog: ((line: string) => void) | undefined;
}

interface StartedSshd {
  child: ChildProcess;
  port: number;
}

/** Starts sshd on the given port, or on a free one, retrying with another when it was taken in between. */
async function listen(
  sshdPath: string,
  dir: string,
  fixedPort: number | undefined,
  input: ConfigInput
): Promise<StartedSshd> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < (fixedPort === undefined ? MAX_PORT_ATTEMPTS : 1); attempt += 1) {
    const port = fixedPort ?? (await freeLoopbackPort());
    const configPath = path.join(dir, 'sshd_config');
    await writeFile(configPath, sshdConfig(dir, port, input), { mode: 0o600 });
    try {
      return await spawnSshd(sshdPath, configPath, port, input);
    } catch (error) {
      lastError = error as Error;
      if (!/Address already in use/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error('sshd could not find a free port');
}

function sshdConfig(dir: string, port: number, input: ConfigInput): string {
  const sftp = `internal-sftp -d ${input.root}${input.readOnly ? ' -R' : ''}`;
  return [
    `ListenAddress ${HOST}:${port}`,
    `HostKey ${path.join(dir, 'ssh_host_ed25519_key')}`,
    'PidFile none',
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    `AllowUsers ${input.username}`,
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'AllowTcpForwarding no',
    'AllowAgentForwarding no',
    'X11Forwarding no',
    'PermitTTY no',
    'MaxStartups 100',
    'LogLevel INFO',
    `Subsystem sftp ${sftp}`,
    // Whatever the client asks for, it gets SFTP and nothing else.
    `ForceCommand ${sftp}`,
    '',
  ].join('\n');
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `sshd -D -e` and resolves once it logs that it listens; rejects with its log if it exits or hangs. */
async function spawnSshd(sshdPath: string, configPath: string, port: number, input: ConfigInput): Promise<StartedSshd> {
  const child = spawn(sshdPath, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  const startupLog: string[] = [];
  let onListening = (): void => undefined;
  // stderr is read for the server's whole life: sshd would block once the pipe is full.
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (startupLog.length < 200) startupLog.push(line);
    if (line.includes(`Server listening on ${HOST} port ${port}`)) onListening();
    input.onLog?.(line);
  });
  await new Promise<void>((resolve, reject) => {
    const settle = (error?: Error): void => {
      clearTimeout(timer);
      onListening = () => undefined;
      child.off('exit', onExit);
      child.off('error', settle);
      if (!error) return resolve();
      child.kill('SIGKILL');
      reject(new Error(`sshd did not start on ${HOST}:${port}: ${error.message}\n${startupLog.join('\n')}`));
    };
    const onExit = (code: number | null): void => settle(new Error(`it exited with code ${String(code)}`));
    const timer = setTimeout(
      () => settle(new Error(`no "Server listening" line within ${input.timeoutMs} ms`)),
      input.timeoutMs
    );
    onListening = () => settle();
    child.once('exit', onExit);
    child.once('error', settle);
  });
  return { child, port };
}

interface RunningInput {
  dir: string;
  root: string;
  username: string;
  keys: GeneratedKeys;
}

function runningServer(started: StartedSshd, input: RunningInput): SshdServer {
  const { child, port } = started;
  const listenerPid = child.pid ?? -1;
  // If the process exits without stop(), leave neither sshd, its sessions, nor the generated keys behind.
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const killOnExit = (): void => {
    if (running()) {
      for (const pid of descendantsOf(listenerPid)) safeKill(pid);
      safeKill(listenerPid);
    }
    rmSync(input.dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  let stopped: Promise<void> | undefined;

  return {
    host: HOST,
    port,
    username: input.username,
    privateKey: input.keys.privateKey,
    hostPublicKey: input.keys.hostPublicKey,
    hostKeyFingerprint: input.keys.hostKeyFingerprint,
    root: input.root,
    sessionCount: () => childrenOf(listenerPid).filter(isAlive).length,
    dropConnections: async () => (running() ? killSessions(listenerPid) : 0),
    stop() {
      stopped ??= (async () => {
        process.off('exit', killOnExit);
        if (running()) {
          await killSessions(listenerPid);
          const exited = new Promise((resolve) => child.once('exit', resolve));
          safeKill(listenerPid);
          await exited;
        }
        await rm(input.dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Kills every process below the listener (sshd forks one or more per session) and waits until they are gone. */
async function killSessions(listenerPid: number): Promise<number> {
  const pids = descendantsOf(listenerPid);
  for (const pid of pids) safeKill(pid);
  const deadline = Date.now() + 5_000;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return pids.length;
}

function safeKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** All descendants of a process, read from /proc (Linux). */
function descendantsOf(rootPid: number): number[] {
  const children = processTree();
  const found: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function childrenOf(pid: number): number[] {
  return processTree().get(pid) ?? [];
}

/** Parent pid → child pids, read from /proc (Linux). */
function processTree(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentPid(Number(entry));
    if (parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  return children;
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces and parentheses): state, ppid, …
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}
