import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let cluster: TestPostgres | null = null;

beforeAll(async () => {
  cluster = await startPostgres({ maxConnections: 20 });
});

afterAll(async () => {
  await cluster?.close();
});

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

describe('private PostgreSQL cluster for tests', () => {
  it('runs a real server on its own port with the settings asked for', async () => {
    const pgc = cluster!;
    expect(pgc.url).toBe(`postgres://postgres@127.0.0.1:${pgc.port}/branchline_test`);
    expect(existsSync(pgc.dir)).toBe(true);
    const [row] = await query<{ db: string; port: string; conns: string; fsync: string; addr: string }>(
      pgc.url,
      `SELECT current_database() AS db, current_setting('port') AS port, current_setting('max_connections') AS conns,
              current_setting('fsync') AS fsync, host(inet_server_addr()) AS addr`,
    );
    expect(row).toEqual({ db: 'branchline_test', port: String(pgc.port), conns: '20', fsync: 'on', addr: '127.0.0.1' });
  });

  it('keeps a committed row across an immediate stop and a start on the same port', async () => {
    const pgc = cluster!;
    await query(pgc.url, 'CREATE TABLE harness_probe (id int PRIMARY KEY, note text NOT NULL)');
    await query(pgc.url, 'INSERT INTO harness_probe VALUES ($1, $2)', [1, 'committed before the crash']);

    // A client connected across the crash sees its connection end.
    const survivor = new pg.Client({ connectionString: pgc.url });
    const errors: Error[] = [];
    survivor.on('error', (e) => errors.push(e));
    await survivor.connect();

    await pgc.stopServer(true);
    await expect(query(pgc.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await expect(survivor.query('SELECT 1')).rejects.toThrow();
    await survivor.end().catch(() => {});

    const portBefore = pgc.port;
    await pgc.startServer();
    expect(pgc.port).toBe(portBefore);
    expect(await query(pgc.url, 'SELECT id, note FROM harness_probe ORDER BY id')).toEqual([{ id: 1, note: 'committed before the crash' }]);

    // A clean stop and start as well.
    await pgc.stopServer();
    await expect(query(pgc.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await pgc.startServer();
    expect(await query(pgc.url, 'SELECT count(*)::int AS n FROM harness_probe')).toEqual([{ n: 1 }]);
  });

  it('creates further empty databases on the same cluster', async () => {
    const pgc = cluster!;
    const other = await pgc.createDatabase('harness_other');
    expect(other).toBe(`postgres://postgres@127.0.0.1:${pgc.port}/harness_other`);
    const [row] = await query<{ db: string; tables: number }>(
      other,
      `SELECT current_database() AS db, (SELECT count(*)::int FROM pg_tables WHERE tablename = 'harness_probe') AS tables`,
    );
    expect(row).toEqual({ db: 'harness_other', tables: 0 });
    await expect(pgc.createDatabase('harness_other')).rejects.toThrow(/already exists/);
    await expect(pgc.createDatabase('bad"name')).rejects.toThrow(/not a plain database name/);
  });

  it('close() stops the server and removes its folder', async () => {
    const second = await startPostgres();
    const { dir, url } = second;
    expect(second.port).not.toBe(cluster!.port);
    expect(await query(url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await second.close();
    expect(existsSync(dir)).toBe(false);
    await expect(query(url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await second.close(); // a second close is harmless
  });
});
