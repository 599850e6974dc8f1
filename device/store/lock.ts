import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims a store file for this process. Two writers on one file would overwrite each other's changes,
 * so a second appliance (or an admin tool run while the appliance is up) is refused. A lock left by a
 * process that died (kill -9) is taken over.
 */
export function lockStoreFile(file: string): () => void {
  const lockPath = `${file}.lock`;
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, mine, { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          if (readFileSync(lockPath, 'utf8') === mine) unlinkSync(lockPath);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockPath, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new Error(`${file} is in use by process ${holder}; stop it first (if no Branchline process runs, delete ${lockPath})`);
      }
      unlinkSync(lockPath);
    }
  }
  throw new Error(`could not lock ${file}`);
}
