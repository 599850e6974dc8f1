import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './net.js';

const MOSQUITTO = '/usr/sbin/mosquitto';

export interface MosquittoOptions {
  /** ACL file content; without it every authenticated user may use every topic. */
  acl?: string;
  /** Keep sessions and queued messages across a restart, as a production broker does. */
  persistent?: boolean;
}

/** Debian's mosquitto on 127.0.0.1 with a generated config and password file; can be stopped and started again on the same port. */
export class Mosquitto {
  private process: ChildProcess | null = null;
  readonly url: string;

  private constructor(
    readonly port: number,
    private readonly configFile: string,
    readonly users: Record<string, string>,
  ) {
    this.url = `mqtt://127.0.0.1:${port}`;
  }

  static async start(users: Record<string, string>, options: MosquittoOptions = {}): Promise<Mosquitto> {
    const dir = mkdtempSync(join(tmpdir(), 'branchline-mosquitto-'));
    const passwordFile = join(dir, 'passwd');
    // Plain "user:password" lines hashed in place in one run: a fleet of a thousand devices takes a second, not a thousand processes.
    writeFileSync(passwordFile, Object.entries(users).map(([user, password]) => `${user}:${password}\n`).join(''), { mode: 0o600 });
    execFileSync('mosquitto_passwd', ['-U', passwordFile]);
    const port = await freePort();
    const configFile = join(dir, 'mosquitto.conf');
    const lines = [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${passwordFile}`, 'log_dest stderr', 'log_type error', 'max_queued_messages 0'];
    if (options.acl !== undefined) {
      writeFileSync(join(dir, 'acl'), options.acl);
      lines.push(`acl_file ${join(dir, 'acl')}`);
    }
    if (options.persistent) {
      mkdirSync(join(dir, 'db'));
      // Saved every second and at a clean shutdown, so a stop and start keeps what the broker acknowledged.
      lines.push('persistence true', `persistence_location ${join(dir, 'db')}/`, 'autosave_interval 1');
    } else {
      lines.push('persistence false');
    }
    // mosquitto drops privileges to the "mosquitto" user unless told to stay root.
    if (process.getuid?.() === 0) lines.push('user root');
    writeFileSync(configFile, lines.join('\n') + '\n');
    const broker = new Mosquitto(port, configFile, users);
    await broker.resume();
    return broker;
  }

  async resume(): Promise<void> {
    if (this.process) return;
    this.process = spawn(MOSQUITTO, ['-c', this.configFile], { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitForPort(this.port, 5000);
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = null;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}
