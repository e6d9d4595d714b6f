/** The exam timer, from server time: the offset between this device's clock and the API's is
measured on every attempt read (midpoint of the request), so a wrong device clock changes
nothing. Deadlines (accommodations, pauses and extensions included) come from the server;
a proctor's change arrives over SSE and is applied at once. Warnings at 20% and 5% of the
time left are announced through the assertive live region, as edx-proctoring does. */

import { announce } from "../lib/dom";
import { spokenDuration } from "../lib/format";
import type { Attempt } from "./types";

export const WARNINGS = [0.2, 0.05];

export class ExamClock {
  private offsetMs = 0;
  deadline = 0;
  private total = 1;
  paused = false;
  private warned = new Set<number>();

  sync(attempt: Attempt, sentAt: number, receivedAt: number): void {
    this.offsetMs = Date.parse(attempt.now) - (sentAt + receivedAt) / 2;
    this.setDeadline(attempt.deadline, attempt.started_at, attempt.paused_seconds);
    this.paused = attempt.status === "paused";
  }

  setDeadline(deadline: string, startedAt?: string, pausedSeconds = 0): void {
    this.deadline = Date.parse(deadline);
    if (startedAt) this.total = Math.max(1, this.deadline - Date.parse(startedAt) - pausedSeconds * 1000);
    const left = this.remainingSeconds();
    for (const share of WARNINGS) {
      if (left > share * this.total / 1000) this.warned.delete(share);
    }
  }

  serverNow(): number {
    return Date.now() + this.offsetMs;
  }

  remainingSeconds(): number {
    return Math.max(0, (this.deadline - this.serverNow()) / 1000);
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }

  /** Announce a warning once when the time left crosses 20% or 5% of the total. */
  checkWarnings(): string | null {
    const left = this.remainingSeconds();
    for (const share of WARNINGS) {
      if (!this.warned.has(share) && left > 0 && left <= share * this.total / 1000) {
        for (const s of WARNINGS) if (s >= share) this.warned.add(s);
        const message = `Time warning: ${spokenDuration(left)} left (${Math.round(share * 100)}% of your time).`;
        announce(message, true);
        return message;
      }
    }
    return null;
  }
}
