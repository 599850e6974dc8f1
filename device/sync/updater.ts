import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { keepSubscribed } from '../../protocol/index.js';
import type { Outbox } from './outbox.js';
import {
  CHUNK_BYTES,
  chunkSchema,
  configMessageSchema,
  parsePayload,
  PROTOCOL_VERSION,
  releaseMessageSchema,
  rollbackSchema,
  topics,
  type ChunkMessage,
  type RecordData,
  type ReleaseKind,
  type ReleaseManifest,
} from '../../protocol/index.js';
import { checkFile, ReleaseError, verifyManifest } from '../../protocol/index.js';

/** What the appliance does to put a release of one kind into service, and to go back. */
export interface ReleaseHandler {
  /** Health-checks the release in `dir` and puts it in service; throws, leaving the running one in service, when it fails. */
  apply(dir: string, manifest: ReleaseManifest): Promise<void>;
  /** Returns to the release in `dir` (null: what the appliance shipped with) after `leaving` was in service. */
  revert(dir: string | null, leaving: string): Promise<void>;
}

interface Installed {
  id: string;
  version: string;
}

interface KindState {
  current: Installed | null;
  previous: Installed | null;
}

interface PendingRelease {
  manifestText: string;
  signature: string;
}

export interface UpdaterOptions {
  deviceId: string;
  /** Holds `<kind>/state.json`, one folder per installed release, and the staging area. */
  root: string;
  publicKeyPem: string | null;
  handlers: Record<ReleaseKind, ReleaseHandler>;
  /** Remote settings are written here and read at the next start. */
  remoteConfigFile: string;
  /** Checks remote settings against the appliance's configuration; returns a problem or null. */
  checkSettings(settings: Record<string, unknown>): string | null;
  chunkTimeoutMs?: number;
}

type RolloutReport = RecordData<'rollout'>;

/**
 * The device side of fleet updates: verify the signed manifest, fetch each file in chunks (resuming a
 * partial file after a restart), check every hash, stage, swap the current release by renaming its state
 * file, health-check through the handler, and fall back to the previous release when that fails. Every
 * step that matters to the fleet is reported through the outbox, so no report is lost either.
 */
export class Updater {
  private readonly waiting = new Map<string, (chunk: ChunkMessage) => void>();
  private work: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly chunkTimeoutMs: number;

  constructor(
    private readonly client: MqttClient,
    private readonly outbox: Outbox,
    private readonly options: UpdaterOptions,
    private readonly log: Logger,
  ) {
    this.chunkTimeoutMs = options.chunkTimeoutMs ?? 15_000;
  }

  async start(): Promise<void> {
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
    const kinds = (['release', 'chunk', 'rollback', 'config'] as const).map((kind) => topics.down(this.options.deviceId, kind));
    const subscribed = keepSubscribed(this.client, kinds, this.log);
    if (this.client.connected) await subscribed;
    else subscribed.catch((err: Error) => this.log.warn({ err: err.message }, 'could not subscribe to fleet messages'));
    const pending = await this.readJson<PendingRelease>(this.pendingFile);
    if (pending) this.enqueue(() => this.install(pending));
  }

  stop(): void {
    this.stopped = true;
  }

  /** The installed version of each kind, null while the appliance runs what it shipped with. */
  async versions(): Promise<Record<ReleaseKind, string | null>> {
    return { model: (await this.state('model')).current?.version ?? null, knowledge: (await this.state('knowledge')).current?.version ?? null };
  }

  /** The folder of the release in service, or null for the built-in one. */
  async currentDir(kind: ReleaseKind): Promise<string | null> {
    const current = (await this.state(kind)).current;
    return current ? this.releaseDir(kind, current.id) : null;
  }

  /** Resolves when every queued update step has finished. */
  idle(): Promise<void> {
    return this.work;
  }

  private get pendingFile(): string {
    return path.join(this.options.root, 'pending.json');
  }

  private releaseDir(kind: ReleaseKind, id: string): string {
    return path.join(this.options.root, kind, id);
  }

  private async readJson<T>(file: string): Promise<T | null> {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as T;
    } catch {
      return null;
    }
  }

  /** Replaces a small file in one rename, so a crash leaves the old or the new content, never half. */
  private async writeAtomic(file: string, value: unknown): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(value));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  }

  private async state(kind: ReleaseKind): Promise<KindState> {
    return (await this.readJson<KindState>(path.join(this.options.root, kind, 'state.json'))) ?? { current: null, previous: null };
  }

  private async setState(kind: ReleaseKind, state: KindState): Promise<void> {
    await this.writeAtomic(path.join(this.options.root, kind, 'state.json'), state);
  }

  private report(report: RolloutReport): void {
    this.log.info({ release: report.releaseId, kind: report.kind, version: report.version, state: report.state, reason: report.reason }, 'release status');
    this.outbox.record('rollout', report).catch((err: Error) => this.log.error({ err: err.message }, 'could not record a release status'));
  }

  private enqueue(step: () => Promise<void>): void {
    this.work = this.work.then(step).catch((err: Error) => this.log.error({ err: err.message }, 'update step failed'));
  }

  private onMessage(topic: string, payload: Buffer): void {
    const where = topics.parse(topic);
    if (!where || where.direction !== 'down' || where.deviceId !== this.options.deviceId) return;
    if (where.name === 'chunk') {
      const chunk = parsePayload(chunkSchema, payload);
      if (!chunk.ok) return void this.log.warn({ topic, why: chunk.error }, 'rejected a malformed release chunk');
      this.waiting.get(`${chunk.value.releaseId}/${chunk.value.file}/${chunk.value.index}`)?.(chunk.value);
      return;
    }
    if (where.name === 'release') {
      const message = parsePayload(releaseMessageSchema, payload);
      if (!message.ok) return void this.log.warn({ topic, why: message.error }, 'rejected a malformed release message');
      this.enqueue(() => this.install({ manifestText: message.value.manifest, signature: message.value.signature }));
      return;
    }
    if (where.name === 'rollback') {
      const message = parsePayload(rollbackSchema, payload);
      if (!message.ok) return void this.log.warn({ topic, why: message.error }, 'rejected a malformed rollback message');
      this.enqueue(() => this.rollback(message.value.kind, message.value.releaseId));
      return;
    }
    if (where.name === 'config') {
      const message = parsePayload(configMessageSchema, payload);
      if (!message.ok) return void this.log.warn({ topic, why: message.error }, 'rejected a malformed configuration message');
      this.enqueue(() => this.configure(message.value.version, message.value.settings));
    }
  }

  private async configure(version: string, settings: Record<string, unknown>): Promise<void> {
    const problem = this.options.checkSettings(settings);
    const releaseId = `config-${version}`;
    if (problem) return this.report({ releaseId, kind: 'config', version, state: 'rejected', reason: problem });
    // Each message changes the settings it names and keeps the ones the fleet sent before.
    const earlier = (await this.readJson<{ settings?: Record<string, unknown> }>(this.options.remoteConfigFile))?.settings ?? {};
    await this.writeAtomic(this.options.remoteConfigFile, { version, settings: { ...earlier, ...settings } });
    this.report({ releaseId, kind: 'config', version, state: 'active', reason: 'takes effect at the next start' });
  }

  private async install(message: PendingRelease): Promise<void> {
    if (this.stopped) return;
    let manifest: ReleaseManifest;
    try {
      if (!this.options.publicKeyPem) throw new ReleaseError('this device has no fleet public key configured');
      manifest = verifyManifest(message.manifestText, message.signature, this.options.publicKeyPem);
    } catch (err) {
      const claimed = this.unverifiedIdentity(message.manifestText);
      await rm(this.pendingFile, { force: true });
      return this.report({ ...claimed, state: 'rejected', reason: (err as Error).message });
    }
    const identity = { releaseId: manifest.id, kind: manifest.kind, version: manifest.version };
    if ((await this.state(manifest.kind)).current?.id === manifest.id) {
      await rm(this.pendingFile, { force: true });
      return;
    }
    const resumed = (await this.readJson<PendingRelease>(this.pendingFile))?.manifestText === message.manifestText;
    await this.writeAtomic(this.pendingFile, message);
    if (!resumed) this.report({ ...identity, state: 'received', reason: null });
    const staging = path.join(this.options.root, manifest.kind, `.staging-${manifest.id}`);
    try {
      for (const file of manifest.files) await this.download(manifest, file, staging);
    } catch (err) {
      // Shutting down: the partial files and pending.json stay, and the next start resumes from them.
      if (this.stopped) return;
      await rm(staging, { recursive: true, force: true });
      await rm(this.pendingFile, { force: true });
      return this.report({ ...identity, state: err instanceof ReleaseError ? 'rejected' : 'failed', reason: (err as Error).message });
    }
    const dir = this.releaseDir(manifest.kind, manifest.id);
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    await rm(this.pendingFile, { force: true });
    await this.activate(manifest, dir);
  }

  private unverifiedIdentity(manifestText: string): Pick<RolloutReport, 'releaseId' | 'kind' | 'version'> {
    try {
      const m = JSON.parse(manifestText) as Partial<ReleaseManifest>;
      const kind = m.kind === 'model' || m.kind === 'knowledge' ? m.kind : 'knowledge';
      return { releaseId: String(m.id ?? 'unknown').slice(0, 100), kind, version: String(m.version ?? 'unknown').slice(0, 64) };
    } catch {
      return { releaseId: 'unknown', kind: 'knowledge', version: 'unknown' };
    }
  }

  /** Fetches one file chunk by chunk into the staging folder, continuing from what an earlier attempt left. */
  private async download(manifest: ReleaseManifest, file: ReleaseManifest['files'][number], staging: string): Promise<void> {
    const target = path.join(staging, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.part`;
    const done = await stat(target).then(
      () => true,
      () => false,
    );
    if (!done) {
      const have = await stat(partial).then(
        (s) => s.size,
        () => 0,
      );
      let index = Math.floor(have / CHUNK_BYTES);
      const handle = await open(partial, have > 0 ? 'r+' : 'w');
      try {
        await handle.truncate(index * CHUNK_BYTES);
        for (;;) {
          if (this.stopped) throw new Error('stopping');
          const chunk = await this.fetchChunk(manifest.id, file.path, index);
          const data = Buffer.from(chunk.data, 'base64');
          if (index * CHUNK_BYTES + data.length > file.size) throw new ReleaseError(`${file.path} is longer than the manifest says (${file.size} bytes)`);
          await handle.write(data, 0, data.length, index * CHUNK_BYTES);
          if (chunk.last) break;
          index += 1;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(partial, target);
    }
    await checkFile(target, file);
  }

  private async fetchChunk(releaseId: string, file: string, index: number): Promise<ChunkMessage> {
    const key = `${releaseId}/${file}/${index}`;
    for (let attempt = 0; attempt < 8; attempt++) {
      const arrived = new Promise<ChunkMessage | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), this.chunkTimeoutMs * 2 ** Math.min(attempt, 3));
        this.waiting.set(key, (chunk) => {
          clearTimeout(timer);
          resolve(chunk);
        });
      });
      if (this.client.connected) {
        this.client.publish(topics.up(this.options.deviceId, 'fetch'), JSON.stringify({ v: PROTOCOL_VERSION, releaseId, file, index }), { qos: 1 });
      }
      const chunk = await arrived;
      this.waiting.delete(key);
      if (chunk) return chunk;
      if (this.stopped) break;
    }
    throw new Error(`no answer for ${file} chunk ${index}; the download resumes when the release is offered again`);
  }

  private async activate(manifest: ReleaseManifest, dir: string): Promise<void> {
    const identity = { releaseId: manifest.id, kind: manifest.kind, version: manifest.version };
    const before = await this.state(manifest.kind);
    await this.setState(manifest.kind, { current: { id: manifest.id, version: manifest.version }, previous: before.current });
    try {
      await this.options.handlers[manifest.kind].apply(dir, manifest);
    } catch (err) {
      await this.setState(manifest.kind, before);
      await rm(dir, { recursive: true, force: true });
      return this.report({ ...identity, state: 'rolled-back', reason: `health check failed: ${(err as Error).message}` });
    }
    if (before.previous) await rm(this.releaseDir(manifest.kind, before.previous.id), { recursive: true, force: true });
    this.report({ ...identity, state: 'active', reason: null });
  }

  private async rollback(kind: ReleaseKind, releaseId: string): Promise<void> {
    const state = await this.state(kind);
    if (state.current?.id !== releaseId) {
      this.log.info({ release: releaseId }, 'rollback asked for a release that is not in service here; nothing to do');
      return;
    }
    const leaving = this.releaseDir(kind, releaseId);
    const back = state.previous ? this.releaseDir(kind, state.previous.id) : null;
    try {
      await this.options.handlers[kind].revert(back, leaving);
    } catch (err) {
      return this.report({ releaseId, kind, version: state.current.version, state: 'failed', reason: `rollback failed: ${(err as Error).message}` });
    }
    await this.setState(kind, { current: state.previous, previous: null });
    await rm(leaving, { recursive: true, force: true });
    this.report({ releaseId, kind, version: state.current.version, state: 'rolled-back', reason: 'rolled back by the fleet manager' });
  }
}
