/** Autosave that cannot lose an answer.

Every change goes to IndexedDB first (pending), then to the API: debounced, and a flush starts
at most every 3 s. Pending answers are sent oldest change first; while offline they wait (the
status says how many) and go out when the connection returns. The API's sequence rule decides
between old and new: a 409 `stale_save` whose `current_seq` is at least ours means the server
already holds this save or a newer one, so it counts as stored. Sequence numbers grow across
reloads and devices: `max(previous + 1, Date.now())`. */

import { ApiError, OfflineError } from "../lib/http";
import type { AnswerStore, LocalAnswer } from "./store";

export const MIN_FLUSH_INTERVAL_MS = 3000;
const DEBOUNCE_MS = 600;
const RETRY_MS = 4000;

export type SaveStatus =
  | { kind: "idle" }
  | { kind: "saving"; waiting: number }
  | { kind: "saved"; at: Date }
  | { kind: "offline"; waiting: number }
  | { kind: "closed"; reason: string };

export type Sender = (questionId: string, seq: number, answer: unknown) => Promise<void>;

export class Autosaver {
  private seqs = new Map<string, number>();
  private timer: number | null = null;
  private lastFlushStart = 0;
  private flushing: Promise<void> | null = null;
  private again = false;
  private closed = false;
  status: SaveStatus = { kind: "idle" };

  constructor(
    private readonly store: AnswerStore,
    private readonly attemptId: string,
    private readonly sendAnswer: Sender,
    private readonly onStatus: (status: SaveStatus) => void,
  ) {
    window.addEventListener("online", () => this.schedule(0));
  }

  /** Remember the sequence numbers already used (server's saved answers, local records). */
  seed(questionId: string, seq: number): void {
    this.seqs.set(questionId, Math.max(seq, this.seqs.get(questionId) ?? 0));
  }

  async change(questionId: string, answer: unknown): Promise<void> {
    if (this.closed) return;
    const seq = Math.max((this.seqs.get(questionId) ?? 0) + 1, Date.now());
    this.seqs.set(questionId, seq);
    await this.store.put({
      attempt_id: this.attemptId,
      question_id: questionId,
      answer,
      seq,
      pending: true,
      changed_at: Date.now(),
    });
    await this.report();
    this.schedule(DEBOUNCE_MS);
  }

  /** Pending answers, oldest change first. */
  async pending(): Promise<LocalAnswer[]> {
    const all = await this.store.all(this.attemptId);
    return all.filter((a) => a.pending).sort((a, b) => a.changed_at - b.changed_at || a.seq - b.seq);
  }

  private schedule(delay: number): void {
    if (this.closed || this.timer !== null) return;
    const spacing = MIN_FLUSH_INTERVAL_MS - (Date.now() - this.lastFlushStart);
    this.timer = window.setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, Math.max(delay, spacing, 0));
  }

  /** Send everything pending now (before a submit, at the deadline). */
  async flushNow(): Promise<void> {
    if (this.timer !== null) {
      window.clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.flushing) await this.flushing;
    await this.flush();
  }

  private flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = this.run().finally(() => {
      this.flushing = null;
      if (this.again) {
        this.again = false;
        this.schedule(0);
      }
    });
    return this.flushing;
  }

  private async run(): Promise<void> {
    this.lastFlushStart = Date.now();
    const queue = await this.pending();
    for (let i = 0; i < queue.length; i += 1) {
      const item = queue[i]!;
      this.setStatus({ kind: "saving", waiting: queue.length - i });
      try {
        await this.sendAnswer(item.question_id, item.seq, item.answer);
      } catch (error) {
        if (error instanceof OfflineError || (error instanceof ApiError && error.status >= 500)) {
          this.setStatus({ kind: "offline", waiting: (await this.pending()).length });
          this.schedule(RETRY_MS);
          return;
        }
        if (error instanceof ApiError && error.code === "stale_save") {
          const current = Number(error.details["current_seq"] ?? 0);
          if (current >= item.seq) this.seed(item.question_id, current);
        } else if (error instanceof ApiError && error.status === 409) {
          this.closed = true;
          this.setStatus({ kind: "closed", reason: error.message });
          return;
        } else {
          throw error;
        }
      }
      await this.store.acknowledge(this.attemptId, item.question_id, item.seq);
    }
    await this.report(new Date());
  }

  private async report(savedAt?: Date): Promise<void> {
    const waiting = (await this.pending()).length;
    if (waiting === 0 && savedAt) this.setStatus({ kind: "saved", at: savedAt });
    else if (waiting > 0 && this.status.kind !== "offline") this.setStatus({ kind: "saving", waiting });
    else if (waiting > 0) this.setStatus({ kind: "offline", waiting });
  }

  private setStatus(status: SaveStatus): void {
    this.status = status;
    this.onStatus(status);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) window.clearTimeout(this.timer);
  }
}
