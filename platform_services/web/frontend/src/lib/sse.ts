/** Server-Sent Events over fetch, so the bearer token goes in a header (never in the URL).

Reconnects after the server's `retry` (or a dropped connection) with `Last-Event-ID`, so the
notifications service replays what was missed; `reauthenticate` and `overflow` end a stream by
design and are followed by a reconnect with a fresh token. */

export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

export interface SseOptions {
  url: () => string;
  token: () => Promise<string>;
  onEvent: (event: SseEvent) => void;
  onState?: (connected: boolean) => void;
}

export class EventStream {
  private lastId: string | null = null;
  private retryMs = 2000;
  private controller: AbortController | null = null;
  private stopped = false;

  constructor(private readonly options: SseOptions) {}

  start(): void {
    this.stopped = false;
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
  }

  /** Drop the current connection and open a new one (resuming from the last event id). */
  reconnect(): void {
    this.controller?.abort();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.connect();
      } catch {
        /* network error or abort: reconnect below */
      }
      this.options.onState?.(false);
      if (this.stopped) return;
      await new Promise((resolve) => window.setTimeout(resolve, this.retryMs));
    }
  }

  private async connect(): Promise<void> {
    this.controller = new AbortController();
    const headers: Record<string, string> = {
      Authorization: `Bearer ${await this.options.token()}`,
      Accept: "text/event-stream",
    };
    if (this.lastId) headers["Last-Event-ID"] = this.lastId;
    const response = await fetch(this.options.url(), { headers, signal: this.controller.signal, cache: "no-store" });
    if (!response.ok || !response.body) {
      this.retryMs = Math.min(30_000, this.retryMs * 2);
      return;
    }
    this.options.onState?.(true);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, "\n");
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        this.dispatch(block);
      }
    }
  }

  private dispatch(block: string): void {
    let event = "message";
    const data: string[] = [];
    let id: string | null = null;
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (name === "event") event = value;
      else if (name === "data") data.push(value);
      else if (name === "id") id = value;
      else if (name === "retry" && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    if (id) this.lastId = id;
    if (data.length === 0) return;
    this.options.onEvent({ event, data: data.join("\n"), id });
  }
}
