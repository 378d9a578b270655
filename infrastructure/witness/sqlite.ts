/** The witness's and the cosigner's state files: SQLite in WAL mode, every commit synced, the schema applied. */
import Database from 'better-sqlite3'

export function openDurableDb(path: string, schema: string): Database.Database {
  const db = new Database(path)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('busy_timeout = 10000')
    db.exec(schema)
  } catch (error) {
    db.close()
    throw error
  }
  return db
}
