import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';

/** One labelled text; `label` is null for an out-of-scope example. */
export interface Example {
  text: string;
  label: string | null;
  /** Given as tuning data (CLINC150's val): calibration is fitted on these before they join training. */
  tuning?: boolean;
}

export type DatasetFormat = 'banking77' | 'clinc150';

export interface DatasetSplit {
  /** Training examples, including out-of-scope ones where the format has them. */
  train: Example[];
  test: Example[];
}

const BANKING77_ROW = z.object({ text: z.string().min(1), category: z.string().min(1) });
const CLINC_PAIRS = z.array(z.tuple([z.string(), z.string()]));
const CLINC_TRAIN = z.object({ train: CLINC_PAIRS, oos_train: CLINC_PAIRS.default([]), val: CLINC_PAIRS.default([]), oos_val: CLINC_PAIRS.default([]) });
const CLINC_TEST = z.object({ test: CLINC_PAIRS, oos_test: CLINC_PAIRS.default([]) });

export class DatasetError extends Error {}

function describe(error: z.ZodError, file: string): DatasetError {
  const issue = error.issues[0];
  return new DatasetError(`${file}: ${issue ? `${issue.path.join('.') || 'root'}: ${issue.message}` : 'invalid'}`);
}

async function banking77(file: string): Promise<Example[]> {
  const records: unknown = parse(await readFile(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true });
  const rows = z.array(BANKING77_ROW).safeParse(records);
  if (!rows.success) throw describe(rows.error, file);
  return rows.data.map((row) => ({ text: row.text, label: row.category }));
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DatasetError(`${file}: not JSON (${(error as Error).message})`);
  }
}

const fromPairs = (pairs: [string, string][], outOfScope: boolean, tuning = false): Example[] =>
  pairs.map(([text, label]) => ({ text, label: outOfScope || label === 'oos' ? null : label, ...(tuning ? { tuning } : {}) }));

async function clincTrain(file: string): Promise<Example[]> {
  const data = CLINC_TRAIN.safeParse(await readJson(file));
  if (!data.success) throw describe(data.error, file);
  const { train, oos_train, val, oos_val } = data.data;
  return [...fromPairs(train, false), ...fromPairs(val, false, true), ...fromPairs(oos_train, true), ...fromPairs(oos_val, true, true)];
}

async function clincTest(file: string): Promise<Example[]> {
  const data = CLINC_TEST.safeParse(await readJson(file));
  if (!data.success) throw describe(data.error, file);
  return [...fromPairs(data.data.test, false), ...fromPairs(data.data.oos_test, true)];
}

export async function loadDataset(format: DatasetFormat, trainFile: string, testFile: string): Promise<DatasetSplit> {
  if (format === 'banking77') return { train: await banking77(trainFile), test: await banking77(testFile) };
  return { train: await clincTrain(trainFile), test: await clincTest(testFile) };
}
