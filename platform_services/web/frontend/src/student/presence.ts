/** Keeps this exam page counted online in the proctor's live monitor.

The exam stream's first event, `connection`, names the stream and how often to beat it; the
page then sends `POST /v1/students/me/presence` that often. A beat that fails on the network
is simply retried at the next beat (the stream may be fine); a 404 `stream_gone` means the
notifications service no longer counts this stream (it closed, or its beats lapsed while the
device was offline), so the stream is reconnected and the next `connection` starts again. */

import { ApiError } from "../lib/http";
import type { PageConfig } from "../lib/config";
import type { Session } from "../lib/session";

export interface Connection {
  exam_id: string;
  connection_id: string;
  beat_seconds: number;
  beat_path: string;
}

export class PresenceBeat {
  private timer = 0;
  private current: Connection | null = null;

  constructor(
    private readonly config: PageConfig,
    private readonly session: Session,
    private readonly onGone: () => void,
  ) {}

  /** A new stream is open: beat it from now on. */
  connected(connection: Connection): void {
    this.stop();
    this.current = connection;
    this.timer = window.setInterval(() => void this.beat(), Math.max(1, connection.beat_seconds) * 1000);
  }

  stop(): void {
    window.clearInterval(this.timer);
    this.current = null;
  }

  private async beat(): Promise<void> {
    const connection = this.current;
    if (!connection) return;
    try {
      await this.session.call(this.config.notifications_url, connection.beat_path, {
        method: "POST",
        body: { exam_id: connection.exam_id, connection_id: connection.connection_id },
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && this.current === connection) {
        this.stop();
        this.onGone();
      }
    }
  }
}
