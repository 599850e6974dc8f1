import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { IntentClassifier } from './classifier.js';
import { intentLabelSchema, type LabelInfo } from './taxonomy.js';

/**
 * The trained intent model on disk: `model.json` (labels, vocabulary, calibration, the taxonomy it was
 * trained for) and `weights.bin` (the int8 weights, then the float32 feature scales and biases). Written
 * to temporary names and renamed,
 * so a crash mid-write never leaves a half model for the appliance to load.
 */
export const ARTIFACT_FORMAT = 2;

const manifestSchema = z.object({
  format: z.literal(ARTIFACT_FORMAT),
  trainedAt: z.string(),
  dataHash: z.string(),
  examples: z.number().int(),
  classifier: z.object({
    labels: z.array(z.string()).min(2),
    vectorizer: z.object({
      options: z.object({
        maxCharGram: z.number().int().min(1),
        maxWordGram: z.number().int().min(1),
        segmenter: z.enum(['icu', 'jieba']),
        glosses: z.boolean(),
        glossary: z.record(z.string(), z.array(z.string())).optional(),
        synonyms: z.boolean(),
        synonymTable: z.record(z.string(), z.array(z.string())).optional(),
      }),
      vocabulary: z.array(z.string()),
      idf: z.array(z.number()),
    }),
    temperature: z.number().positive(),
    outOfScopeThreshold: z.number().min(0).max(1),
  }),
  taxonomy: z.array(intentLabelSchema.omit({ utterances: true }).extend({ domain: z.string() })),
});

export type ArtifactManifest = z.infer<typeof manifestSchema>;

export interface IntentArtifact {
  manifest: ArtifactManifest;
  classifier: IntentClassifier;
  labels: Map<string, LabelInfo>;
}

export class ArtifactError extends Error {}

export async function saveArtifact(dir: string, classifier: IntentClassifier, meta: { dataHash: string; examples: number; taxonomy: LabelInfo[] }): Promise<void> {
  await mkdir(dir, { recursive: true });
  const manifest: ArtifactManifest = {
    format: ARTIFACT_FORMAT,
    trainedAt: new Date().toISOString(),
    dataHash: meta.dataHash,
    examples: meta.examples,
    classifier: classifier.state,
    taxonomy: meta.taxonomy,
  };
  const { weights, scale, bias } = classifier.linear;
  const buffer = Buffer.concat([weights, scale, bias].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
  await writeFile(path.join(dir, 'weights.bin.tmp'), buffer);
  await writeFile(path.join(dir, 'model.json.tmp'), JSON.stringify(manifest));
  await rename(path.join(dir, 'weights.bin.tmp'), path.join(dir, 'weights.bin'));
  await rename(path.join(dir, 'model.json.tmp'), path.join(dir, 'model.json'));
}

async function readStamp(dir: string): Promise<{ dataHash: string; trainedAt: string } | null> {
  try {
    const manifest = manifestSchema.pick({ dataHash: true, trainedAt: true }).safeParse(JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')));
    return manifest.success ? manifest.data : null;
  } catch {
    return null;
  }
}

/** The source hash an artifact was trained from, or null when there is no readable artifact. */
export async function readArtifactHash(dir: string): Promise<string | null> {
  return (await readStamp(dir))?.dataHash ?? null;
}

/** When an artifact was trained, or null when there is no readable artifact. */
export async function readArtifactTrainedAt(dir: string): Promise<string | null> {
  return (await readStamp(dir))?.trainedAt ?? null;
}

export async function loadArtifact(dir: string): Promise<IntentArtifact> {
  let raw: unknown;
  let bytes: Buffer;
  try {
    raw = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    bytes = await readFile(path.join(dir, 'weights.bin'));
  } catch (error) {
    throw new ArtifactError(`intent model missing or unreadable in ${dir} (run npm run intent:train): ${(error as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new ArtifactError(`intent model manifest invalid: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
  const manifest = parsed.data;
  const classes = manifest.classifier.labels.length;
  const dimensions = manifest.classifier.vectorizer.vocabulary.length;
  const weightBytes = dimensions * classes;
  if (manifest.classifier.vectorizer.idf.length !== dimensions || bytes.byteLength !== weightBytes + (dimensions + classes) * 4) {
    throw new ArtifactError('intent model weights do not match its manifest');
  }
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  // The floats are copied out of the int8 block's end, which need not fall on a 4-byte boundary.
  const floats = copy.slice(weightBytes);
  const classifier = IntentClassifier.restore(manifest.classifier, {
    classes,
    dimensions,
    weights: new Int8Array(copy, 0, weightBytes),
    scale: new Float32Array(floats, 0, dimensions),
    bias: new Float32Array(floats, dimensions * 4, classes),
  });
  return { manifest, classifier, labels: new Map(manifest.taxonomy.map((label) => [label.id, label])) };
}
