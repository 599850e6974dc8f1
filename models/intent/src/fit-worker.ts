/**
 * One linear fit of the intent classifier in a worker thread (see parallel.ts). The weights go back as
 * transferred buffers: the final model's matrix is far too large to copy.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fitLinear } from './classifier.js';
import type { FitRequest, FitMessage } from './parallel.js';

const port = parentPort;
if (!port) throw new Error('fit-worker.ts runs only as a worker thread');
const request = workerData as FitRequest;
const { vectorizer, linear } = fitLinear(request.train, request.labels, request.options, (done, total) =>
  port.postMessage({ type: 'progress', done, total } satisfies FitMessage),
);
// The SVM allocates its own (never shared) buffers, so they can be handed over.
const buffers = [linear.weights.buffer, linear.bias.buffer] as ArrayBuffer[];
port.postMessage({ type: 'done', vectorizer: vectorizer.state, linear } satisfies FitMessage, buffers);
