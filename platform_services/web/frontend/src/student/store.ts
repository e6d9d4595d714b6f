/** IndexedDB: the answers of this device, so a reload, a crash or a lost connection loses none.

One record per (attempt, question): the latest answer, its sequence number and whether the
server has acknowledged it (`pending`). Flags for review are kept per attempt. Every change is
written here before it is sent. */

export interface LocalAnswer {
  key: string;
  attempt_id: string;
  question_id: string;
  answer: unknown;
  seq: number;
  pending: boolean;
  changed_at: number;
}

const DB = "exam-page";
const ANSWERS = "answers";
const FLAGS = "flags";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      const answers = db.createObjectStore(ANSWERS, { keyPath: "key" });
      answers.createIndex("attempt", "attempt_id");
      db.createObjectStore(FLAGS, { keyPath: "attempt_id" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export class AnswerStore {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(): Promise<AnswerStore> {
    return new AnswerStore(await open());
  }

  async put(record: Omit<LocalAnswer, "key">): Promise<void> {
    const tx = this.db.transaction(ANSWERS, "readwrite");
    await done(tx.objectStore(ANSWERS).put({ ...record, key: `${record.attempt_id}:${record.question_id}` }));
  }

  async all(attemptId: string): Promise<LocalAnswer[]> {
    const tx = this.db.transaction(ANSWERS, "readonly");
    return done(tx.objectStore(ANSWERS).index("attempt").getAll(attemptId) as IDBRequest<LocalAnswer[]>);
  }

  /** Mark acknowledged, unless a newer change arrived meanwhile (its seq is higher). */
  async acknowledge(attemptId: string, questionId: string, seq: number): Promise<void> {
    const tx = this.db.transaction(ANSWERS, "readwrite");
    const store = tx.objectStore(ANSWERS);
    const current = (await done(store.get(`${attemptId}:${questionId}`))) as LocalAnswer | undefined;
    if (current && current.seq <= seq && current.pending) {
      await done(store.put({ ...current, pending: false }));
    }
  }

  async flags(attemptId: string): Promise<Set<string>> {
    const tx = this.db.transaction(FLAGS, "readonly");
    const row = (await done(tx.objectStore(FLAGS).get(attemptId))) as { ids: string[] } | undefined;
    return new Set(row?.ids ?? []);
  }

  async setFlags(attemptId: string, ids: Set<string>): Promise<void> {
    const tx = this.db.transaction(FLAGS, "readwrite");
    await done(tx.objectStore(FLAGS).put({ attempt_id: attemptId, ids: [...ids] }));
  }
}
