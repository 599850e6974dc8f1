/**
 * Trains the intent classifier with its two linear fits (calibration and final) in two worker threads
 * at once. They share nothing, so the model is bit for bit the one IntentClassifier.train gives; on the
 * appliance's two cores this roughly halves training, which was the longest step of set-up.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { IntentClassifier, type LinearFitter, type TrainOptions, type TrainingStage } from './classifier.js';
import type { Example } from './datasets.js';
import type { LinearModel } from './linear-svm.js';
import { withLexicons } from './glossary.js';
import { Vectorizer, type VectorizerState } from './vectorizer.js';

export interface FitRequest {
  train: readonly Example[];
  labels: readonly string[];
  options: Omit<TrainOptions, 'onProgress'>;
}

export type FitMessage = { type: 'progress'; done: number; total: number } | { type: 'done'; vectorizer: VectorizerState; linear: LinearModel };

const WORKER = new URL('./fit-worker.mjs', import.meta.url);

/** Runs each linear fit in a worker thread of its own. */
export function workerFitter(options: TrainOptions): LinearFitter {
  const { onProgress, ...plain } = options;
  return (train, labels, stage: TrainingStage) =>
    new Promise((resolve, reject) => {
      // No execArgv of the parent (vitest's or tsx's): the entry loads tsx itself.
      const worker = new Worker(WORKER, { workerData: { train, labels, options: plain } satisfies FitRequest, execArgv: [] });
      let settled = false;
      worker.on('message', (message: FitMessage) => {
        if (message.type === 'progress') {
          onProgress?.(stage, message.done, message.total);
          return;
        }
        // The worker has nothing left to do after this message and exits by itself.
        settled = true;
        resolve({ vectorizer: Vectorizer.restore(message.vectorizer), linear: message.linear });
      });
      worker.on('error', (error) => {
        settled = true;
        reject(error);
      });
      worker.on('exit', (code) => {
        if (!settled) reject(new Error(`intent ${stage} fit worker exited with code ${code} before it finished`));
      });
    });
}

/** IntentClassifier.train, with the glossary its options ask for, on two cores when there are two. */
export async function trainInParallel(examples: readonly Example[], options: TrainOptions): Promise<IntentClassifier> {
  const prepared = await withLexicons(examples.map((e) => e.text), options);
  if (availableParallelism() < 2) return IntentClassifier.train(examples, prepared);
  return IntentClassifier.trainWith(examples, prepared, workerFitter(prepared));
}
