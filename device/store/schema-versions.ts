import { fileURLToPath } from 'node:url';
import type { Database } from 'better-sqlite3';
import Postgrator from 'postgrator';
import { StoreError } from './errors.js';

/**
 * The tables one folder of device/ owns, as ordered SQL files in its own directory
 * (`001.do.service-sessions.sql`, `002.do.…`), each owner with its own version table, so no module
 * has to know another's schema. Append new files; never edit a released one (their checksums are kept).
 */
export interface TableOwner {
  owner: string;
  dir: URL;
}

const OWNER_NAME = /^[a-z][a-z0-9_]*$/;

function postgratorFor(db: Database, owner: TableOwner): Postgrator {
  if (!OWNER_NAME.test(owner.owner)) throw new Error(`table owner name "${owner.owner}" must be lower case letters, digits and _`);
  return new Postgrator({
    driver: 'sqlite3',
    migrationPattern: `${fileURLToPath(owner.dir)}/*.sql`,
    schemaTable: `schema_version_${owner.owner}`,
    validateChecksums: true,
    execQuery: async (query: string) => {
      const statement = db.prepare(query);
      return { rows: statement.reader ? statement.all() : (statement.run(), []) };
    },
    execSqlScript: async (script: string) => void db.exec(script),
  });
}

/**
 * Brings every owner's tables to the newest version, all owners in one transaction: a start that fails
 * half-way (a full disk, a bad file) leaves the database as it was. A database written by a newer build
 * is refused rather than used with a schema this build does not know.
 */
export async function migrateTables(db: Database, owners: readonly TableOwner[]): Promise<Record<string, number>> {
  const versions: Record<string, number> = {};
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const owner of owners) {
      const migrator = postgratorFor(db, owner);
      const newest = await migrator.getMaxVersion();
      const current = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`).get(`schema_version_${owner.owner}`)
        ? await migrator.getDatabaseVersion()
        : 0;
      if (current > newest) {
        throw new StoreError(`the ${owner.owner} tables have schema version ${current}, newer than this build understands (${newest})`, 'schema');
      }
      await migrator.migrate('max');
      versions[owner.owner] = newest;
    }
    db.exec('COMMIT');
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
  return versions;
}
