import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ActionUnit } from './micro.js';

const require = createRequire(import.meta.url);
/** The package roots, found from their entry points (their exports do not expose package.json). */
const packageRoot = (name: string) => {
  const entry = require.resolve(name);
  return entry.slice(0, entry.lastIndexOf(`${path.sep}node_modules${path.sep}${name.replace('/', path.sep)}${path.sep}`) + `${path.sep}node_modules${path.sep}${name.replace('/', path.sep)}`.length);
};
const HUMAN_PACKAGE = packageRoot('@vladmandic/human');
const MODELS_DIR = path.join(HUMAN_PACKAGE, 'models');
const WASM_DIR = `${path.join(packageRoot('@tensorflow/tfjs-backend-wasm'), 'dist')}/`;
function hasNativeTensorflow(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

/** Sample photos shipped in the human package, used by the face tests and benchmark. */
export const HUMAN_ASSETS_DIR = path.join(HUMAN_PACKAGE, 'assets');

export interface FaceReading {
  present: boolean;
  /** Probabilities of angry, disgust, fear, happy, sad, surprise, neutral. */
  emotions: Record<string, number>;
  dominant: string | null;
  aus: Record<ActionUnit, number> | null;
  yaw: number;
  pitch: number;
  roll: number;
  ms: number;
}

type Point = [number, number, number?];
type Mesh = Point[];

interface HumanFace {
  mesh: Mesh;
  emotion?: { score: number; emotion: string }[];
  rotation?: { angle: { yaw: number; pitch: number; roll: number } };
}

interface HumanInstance {
  load(): Promise<void>;
  warmup(): Promise<unknown>;
  detect(input: unknown): Promise<{ face: HumanFace[] }>;
  tf: { tensor3d(values: Uint8Array, shape: [number, number, number], dtype: string): { dispose(): void } };
}

const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);
const clamp = (x: number) => Math.min(1, Math.max(0, x));

/**
 * Action-unit proxies from the 468/478-point face mesh (MediaPipe numbering), scaled by the distance
 * between the outer eye corners so they do not depend on how near the customer stands. Each is a rough
 * 0-1 intensity; the micro-expression spotter reads them against the customer's own baseline.
 */
export function actionUnits(mesh: Mesh): Record<ActionUnit, number> {
  const p = (i: number) => mesh[i]!;
  const eyes = dist(p(33), p(263)) || 1;
  const browHeight = (dist(p(105), p(159)) + dist(p(334), p(386))) / 2 / eyes;
  const innerBrows = dist(p(107), p(336)) / eyes;
  const eyeOpen = (dist(p(159), p(145)) + dist(p(386), p(374))) / 2 / eyes;
  const mouthOpen = dist(p(13), p(14)) / eyes;
  const lipHeight = dist(p(0), p(17)) / eyes;
  const mouthWidth = dist(p(61), p(291)) / eyes;
  const centreY = (p(13)[1] + p(14)[1]) / 2;
  // Image y grows downwards: corners above the lip centre are pulled up (a smile).
  const leftLift = (centreY - p(61)[1]) / eyes;
  const rightLift = (centreY - p(291)[1]) / eyes;
  const noseToLip = dist(p(6), p(0)) / eyes;
  return {
    browRaise: clamp((browHeight - 0.2) * 4),
    browLower: clamp((0.32 - browHeight) * 4 + (0.3 - innerBrows) * 2),
    lipCornerPull: clamp((mouthWidth - 0.75) * 2 + Math.max(0, (leftLift + rightLift) / 2) * 6),
    lipCornerDepress: clamp(Math.max(0, -(leftLift + rightLift) / 2) * 8),
    lipPress: clamp((0.22 - lipHeight) * 5),
    eyeWiden: clamp((eyeOpen - 0.08) * 8),
    noseWrinkle: clamp((0.62 - noseToLip) * 4),
    lipCornerAsymmetry: clamp(Math.abs(leftLift - rightLift) * 10),
    jawDrop: clamp(mouthOpen * 4),
  };
}

/**
 * Face analysis on the appliance with @vladmandic/human on TensorFlow.js (wasm backend): face presence,
 * emotion probabilities, mesh-derived action units and head pose. Human loads its models over HTTP and
 * Node's fetch refuses file:// URLs, so a loopback-only server hands out the model files shipped in the
 * npm package; nothing is downloaded.
 */
export class FaceAnalyser {
  private constructor(
    private readonly human: HumanInstance,
    private readonly server: Server,
  ) {}

  static async create(): Promise<FaceAnalyser> {
    const server = createServer((request, response) => {
      const name = path.basename(decodeURIComponent((request.url ?? '').split('?')[0]!));
      if (request.method !== 'GET' || !/^[\w.-]+\.(json|bin)$/.test(name)) return void response.writeHead(404).end();
      readFile(path.join(MODELS_DIR, name)).then(
        (data) => response.end(data),
        () => response.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      // The native TensorFlow binding is faster when a machine has it; it cannot be installed here, so wasm is the default.
      const native = hasNativeTensorflow();
      const module = (await import(path.join(HUMAN_PACKAGE, 'dist', native ? 'human.node.js' : 'human.node-wasm.js'))) as { Human?: new (config: unknown) => HumanInstance; default?: { Human: new (config: unknown) => HumanInstance } };
      const Human = module.Human ?? module.default!.Human;
      const human = new Human({
        backend: native ? 'tensorflow' : 'wasm',
        wasmPath: WASM_DIR,
        modelBasePath: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        debug: false,
        face: {
          enabled: true,
          detector: { rotation: false, maxDetected: 1 },
          mesh: { enabled: true },
          iris: { enabled: true },
          emotion: { enabled: true },
          description: { enabled: false },
          antispoof: { enabled: false },
          liveness: { enabled: false },
        },
        body: { enabled: false },
        hand: { enabled: false },
        object: { enabled: false },
        gesture: { enabled: false },
        segmentation: { enabled: false },
      });
      await human.load();
      await human.warmup();
      return new FaceAnalyser(human, server);
    } catch (error) {
      server.close();
      throw error;
    }
  }

  /** One RGB24 picture of width x height. */
  async analyse(rgb: Buffer, width: number, height: number): Promise<FaceReading> {
    const started = performance.now();
    const tensor = this.human.tf.tensor3d(new Uint8Array(rgb.buffer, rgb.byteOffset, width * height * 3), [height, width, 3], 'int32');
    try {
      const result = await this.human.detect(tensor);
      const face = result.face[0];
      const ms = performance.now() - started;
      if (!face || face.mesh.length < 468) return { present: false, emotions: {}, dominant: null, aus: null, yaw: 0, pitch: 0, roll: 0, ms };
      const emotions = Object.fromEntries((face.emotion ?? []).map((e) => [e.emotion, e.score]));
      const dominant = face.emotion?.[0]?.emotion ?? null;
      const angle = face.rotation?.angle ?? { yaw: 0, pitch: 0, roll: 0 };
      const degrees = (radians: number) => (radians * 180) / Math.PI;
      return { present: true, emotions, dominant, aus: actionUnits(face.mesh), yaw: degrees(angle.yaw), pitch: degrees(angle.pitch), roll: degrees(angle.roll), ms };
    } finally {
      tensor.dispose();
    }
  }

  close(): void {
    this.server.close();
  }
}
