import { connect, type Table } from '@lancedb/lancedb';

/** Reads the store's chunks table in `directory` as another reader (its own connection) sees it. */
export async function inspectChunksTable<T>(directory: string, read: (table: Table) => Promise<T>): Promise<T> {
  const connection = await connect(directory);
  const table = await connection.openTable('chunks');
  try {
    return await read(table);
  } finally {
    table.close();
    connection.close();
  }
}
