/** One exam sitting: start (waiting room on 429), questions, autosave, timer, proctor events,
review, submit with a receipt, and the deadline. Called by the student page's router. */

import { announce, button, h, replace } from "../lib/dom";
import { clockTime, duration, spokenDuration } from "../lib/format";
import { ApiError, OfflineError } from "../lib/http";
import type { PageConfig } from "../lib/config";
import type { Session } from "../lib/session";
import { EventStream } from "../lib/sse";
import { Autosaver, type SaveStatus } from "./autosave";
import { renderQuestion, type Rendered } from "./questions";
import { AnswerStore } from "./store";
import { ExamClock } from "./timer";
import type { Attempt, QuestionView, QuestionsView, Receipt } from "./types";
import { showReceipt } from "./receipt";
import { PresenceBeat, type Connection } from "./presence";

interface Slot {
  q: QuestionView;
  index: number;
  rendered: Rendered | null;
  section: HTMLElement;
  flag: HTMLButtonElement;
}

const PRE_DEADLINE_FLUSH_S = 5;

export class ExamSitting {
  private readonly clock = new ExamClock();
  private store!: AnswerStore;
  private saver: Autosaver | null = null;
  private attempt!: Attempt;
  private slots: Slot[] = [];
  private flags = new Set<string>();
  private stream: EventStream | null = null;
  private presence: PresenceBeat | null = null;
  private ticker = 0;
  private flushedBeforeDeadline = false;
  private finishing = false;
  private readonly timerEl = h("p", { class: "timer", id: "timer", role: "timer", "aria-live": "off", "aria-atomic": "true" });
  private readonly timerNote = h("p", { class: "timer-note", id: "timer-note" });
  private readonly saveEl = h("p", { class: "save-state", id: "save-state", role: "status", "aria-live": "polite" });
  constructor(
    private readonly main: HTMLElement,
    private readonly config: PageConfig,
    private readonly session: Session,
    private readonly examId: string,
    private readonly title: string,
  ) {}

  private api<T>(path: string, options: Parameters<Session["call"]>[2] = {}): Promise<T> {
    return this.session.call<T>(this.config.api_url, `/v1/exams/${this.examId}${path}`, options);
  }

  async open(): Promise<void> {
    this.store = await AnswerStore.open();
    const attempt = await this.enter();
    if (!attempt) return;
    await this.syncAttempt();
    if (this.attempt.status === "submitted" || this.attempt.status === "terminated") {
      await this.showSubmitted();
      return;
    }
    this.listen();
    if (this.attempt.status === "paused") this.showPaused("");
    else await this.showQuestions();
  }

  /** POST …/attempt; a 429 is the waiting room, retried after Retry-After seconds. */
  private async enter(): Promise<Attempt | null> {
    for (;;) {
      try {
        return await this.api<Attempt>("/attempt", { method: "POST" });
      } catch (error) {
        if (error instanceof ApiError && error.status === 429) {
          await this.waitingRoom(Math.max(1, error.retryAfter ?? 2));
          continue;
        }
        if (error instanceof ApiError && error.status === 409) {
          replace(this.main, h("section", { class: "card", "aria-labelledby": "closed-title" }, h("h1", { id: "closed-title" }, this.title), h("p", { role: "alert" }, error.message), backToList()));
          return null;
        }
        throw error;
      }
    }
  }

  private waitingRoom(seconds: number): Promise<void> {
    const count = h("span", { id: "waiting-seconds" }, String(seconds));
    replace(
      this.main,
      h(
        "section",
        { class: "card waiting", "aria-labelledby": "waiting-title" },
        h("h1", { id: "waiting-title" }, "Waiting room"),
        h("p", { role: "status" }, "Many students are starting this exam at the same moment, so the server lets them in a few at a time. You keep your place: this page retries by itself."),
        h("p", {}, "Next try in ", count, " s."),
        h("div", { class: "spinner", "aria-hidden": "true" }),
      ),
    );
    announce(`Waiting room: next try in ${seconds} seconds.`);
    return new Promise((resolve) => {
      let left = seconds;
      const timer = window.setInterval(() => {
        left -= 1;
        count.textContent = String(Math.max(0, left));
        if (left <= 0) {
          window.clearInterval(timer);
          resolve();
        }
      }, 1000);
    });
  }

  private async syncAttempt(): Promise<void> {
    const sent = Date.now();
    this.attempt = await this.api<Attempt>("/attempt");
    this.clock.sync(this.attempt, sent, Date.now());
  }

  private listen(): void {
    this.presence = new PresenceBeat(this.config, this.session, () => this.stream?.reconnect());
    this.stream = new EventStream({
      url: () => `${this.config.notifications_url}/v1/students/me/stream?exam_id=${encodeURIComponent(this.examId)}`,
      token: () => this.session.token(),
      onEvent: (event) => this.onEvent(event.event, event.data),
      onState: (up) => {
        if (!up) this.presence?.stop();
      },
    });
    this.stream.start();
  }

  /** The student left this exam's page (another route): stop counting them present on it. */
  leave(): void {
    this.stopListening();
  }

  private stopListening(): void {
    this.presence?.stop();
    this.stream?.stop();
  }

  private onEvent(type: string, raw: string): void {
    if (type === "connection") {
      this.presence?.connected(JSON.parse(raw) as Connection);
      return;
    }
    const payload = JSON.parse(raw) as { exam_id: string; data: Record<string, unknown> };
    if (payload.exam_id !== this.examId) return;
    const data = payload.data;
    if (type === "attempt.extended" || type === "attempt.accommodation_changed") {
      if (typeof data["deadline"] === "string") this.clock.setDeadline(data["deadline"]);
      const seconds = Number(data["seconds"] ?? 0);
      const note = type === "attempt.extended" ? `Your proctor gave you ${spokenDuration(seconds)} more.` : "Your time allowance was changed.";
      this.timerNote.textContent = note;
      announce(note, true);
      void this.syncAttempt();
    } else if (type === "attempt.paused") {
      this.clock.paused = true;
      this.showPaused(String(data["reason"] ?? ""));
    } else if (type === "attempt.resumed") {
      this.clock.paused = false;
      if (typeof data["deadline"] === "string") this.clock.setDeadline(data["deadline"]);
      announce("Your exam is resumed.", true);
      void this.syncAttempt().then(() => this.showQuestions());
    } else if (type === "attempt.terminated" || type === "attempt.submitted") {
      void this.finishFromServer();
    }
  }

  private showPaused(reason: string): void {
    window.clearInterval(this.ticker);
    replace(
      this.main,
      h(
        "section",
        { class: "card paused", "aria-labelledby": "paused-title" },
        h("h1", { id: "paused-title" }, "Your exam is paused"),
        h("p", { role: "alert" }, `Your proctor paused this attempt${reason ? `: ${reason}` : ""}. The timer is stopped and the paused time is given back. The exam continues here as soon as it is resumed.`),
      ),
    );
  }

  private async showQuestions(): Promise<void> {
    const view = await this.api<QuestionsView>("/attempt/questions");
    this.flags = await this.store.flags(this.attempt.attempt_id);
    this.saver?.close();
    const saver = new Autosaver(
      this.store,
      this.attempt.attempt_id,
      (qid, seq, answer) => this.sendAnswer(qid, seq, answer),
      (status) => this.renderSave(status),
    );
    this.saver = saver;
    this.slots = view.questions.map((q, index) => this.slot(q, index));
    for (const [qid, saved] of Object.entries(view.saved_answers)) {
      saver.seed(qid, saved.seq);
      this.slotOf(qid)?.rendered?.set(saved.answer);
    }
    for (const local of await this.store.all(this.attempt.attempt_id)) {
      saver.seed(local.question_id, local.seq);
      const server = view.saved_answers[local.question_id];
      if (!server || local.seq > server.seq) this.slotOf(local.question_id)?.rendered?.set(local.answer);
    }
    const nav = h("nav", { class: "question-nav", "aria-label": "Questions" }, h("ol", {}, ...this.slots.map((s) => h("li", {}, h("a", { href: `#q-${s.index + 1}`, id: `nav-${s.index + 1}` }, `Question ${s.index + 1}`)))));
    const form = h("form", { class: "questions", "aria-labelledby": "exam-title", novalidate: true }, ...this.slots.map((s) => s.section));
    form.addEventListener("submit", (e) => e.preventDefault());
    replace(
      this.main,
      h(
        "div",
        { class: "exam-layout" },
        h(
          "header",
          { class: "exam-bar" },
          h("h1", { id: "exam-title" }, this.title),
          h("div", { class: "exam-status" }, this.timerEl, this.timerNote, this.saveEl),
        ),
        nav,
        form,
        h("div", { class: "actions" }, button("Review and submit", () => void this.review(), { class: "primary", id: "review-button" })),
      ),
    );
    this.refreshNav();
    this.renderSave(saver.status);
    const pending = await saver.pending();
    if (pending.length) void saver.flushNow();
    this.startTicker();
  }

  private slot(q: QuestionView, index: number): Slot {
    const label = `Question ${index + 1}`;
    const { stem, rendered } = renderQuestion(q, label, () => this.changed(q.id));
    const flag = button("Flag for review", () => this.toggleFlag(q.id), { class: "flag", "aria-pressed": "false" });
    const points = q.type === "description" ? "" : ` (${q.points} point${q.points === 1 ? "" : "s"})`;
    const section = h(
      "section",
      { class: "question", id: `q-${index + 1}`, "aria-labelledby": `q-${index + 1}-title`, role: rendered ? "group" : "region" },
      h("h2", { id: `q-${index + 1}-title` }, q.title ? `${label}: ${q.title}` : label, h("span", { class: "points" }, points)),
      stem,
      rendered?.body ?? null,
      rendered ? flag : null,
    );
    return { q, index, rendered, section, flag };
  }

  private slotOf(qid: string): Slot | undefined {
    return this.slots.find((s) => s.q.id === qid);
  }

  private changed(qid: string): void {
    const slot = this.slotOf(qid);
    if (!slot?.rendered || !this.saver) return;
    void this.saver.change(qid, slot.rendered.get());
    this.refreshNav();
  }

  private toggleFlag(qid: string): void {
    if (this.flags.has(qid)) this.flags.delete(qid);
    else this.flags.add(qid);
    void this.store.setFlags(this.attempt.attempt_id, this.flags);
    this.refreshNav();
  }

  private refreshNav(): void {
    for (const s of this.slots) {
      const flagged = this.flags.has(s.q.id);
      s.flag.setAttribute("aria-pressed", String(flagged));
      s.flag.textContent = flagged ? "Flagged for review" : "Flag for review";
      s.section.classList.toggle("flagged", flagged);
      const link = document.getElementById(`nav-${s.index + 1}`);
      if (link) {
        const state = [s.rendered?.answered() ? "answered" : s.rendered ? "not answered" : "information", flagged ? "flagged" : ""].filter(Boolean).join(", ");
        link.textContent = `Question ${s.index + 1}`;
        link.setAttribute("aria-description", state);
        link.className = s.rendered?.answered() ? "answered" : "";
        link.title = state;
      }
    }
  }

  private async sendAnswer(qid: string, seq: number, answer: unknown): Promise<void> {
    await this.api(`/attempt/answers/${encodeURIComponent(qid)}`, { method: "PUT", body: { seq, answer } });
  }

  private renderSave(status: SaveStatus): void {
    const text =
      status.kind === "saved"
        ? `All answers saved at ${clockTime(status.at)}`
        : status.kind === "saving"
          ? `Saving… (${status.waiting} waiting)`
          : status.kind === "offline"
            ? `Offline: ${status.waiting} answer${status.waiting === 1 ? "" : "s"} waiting; they are kept on this device and sent when the connection returns`
            : status.kind === "closed"
              ? `Answers are no longer accepted: ${status.reason}`
              : "No changes yet";
    this.saveEl.textContent = text;
    this.saveEl.dataset["state"] = status.kind;
  }

  private startTicker(): void {
    window.clearInterval(this.ticker);
    const tick = () => {
      if (this.clock.paused) return;
      const left = this.clock.remainingSeconds();
      this.timerEl.textContent = `Time left ${duration(left)}`;
      this.timerEl.setAttribute("aria-label", `Time left: ${spokenDuration(left)}`);
      this.timerEl.dataset["deadline"] = new Date(this.clock.deadline).toISOString();
      this.clock.checkWarnings();
      this.timerEl.classList.toggle("low", left <= 300);
      if (left <= PRE_DEADLINE_FLUSH_S && !this.flushedBeforeDeadline) {
        this.flushedBeforeDeadline = true;
        void this.saver?.flushNow();
      } else if (left > PRE_DEADLINE_FLUSH_S) {
        this.flushedBeforeDeadline = false;
      }
      if (left <= 0) void this.deadlineReached();
    };
    tick();
    this.ticker = window.setInterval(tick, 250);
  }

  /** Time is up: lock the answers, send what is pending, wait for the server's auto-submit. */
  private async deadlineReached(): Promise<void> {
    if (this.finishing) return;
    this.finishing = true;
    window.clearInterval(this.ticker);
    for (const s of this.slots) s.section.querySelectorAll("input, select, textarea, button").forEach((el) => ((el as HTMLInputElement).disabled = true));
    await this.saver?.flushNow().catch(() => undefined);
    this.saver?.close();
    replace(
      this.main,
      h(
        "section",
        { class: "card", "aria-labelledby": "timeup-title" },
        h("h1", { id: "timeup-title" }, "Time is up"),
        h("p", { role: "alert" }, "Your saved answers are being submitted automatically. Your receipt appears here in a moment."),
        h("div", { class: "spinner", "aria-hidden": "true" }),
      ),
    );
    await this.finishFromServer();
  }

  /** The server submitted (deadline, proctor): poll until the attempt is finished, then show it. */
  private async finishFromServer(): Promise<void> {
    this.finishing = true;
    window.clearInterval(this.ticker);
    for (let i = 0; i < 600; i += 1) {
      try {
        await this.syncAttempt();
        if (this.attempt.status === "submitted" || this.attempt.status === "terminated") break;
      } catch (error) {
        if (!(error instanceof OfflineError)) throw error;
      }
      await new Promise((r) => window.setTimeout(r, 1000));
    }
    await this.showSubmitted();
  }

  private async review(): Promise<void> {
    const unanswered = this.slots.filter((s) => s.rendered && !s.rendered.answered());
    const flagged = this.slots.filter((s) => this.flags.has(s.q.id));
    const list = (items: Slot[], empty: string) =>
      items.length ? h("ul", {}, ...items.map((s) => h("li", {}, h("a", { href: `#q-${s.index + 1}`, onclick: () => this.backTo(s.index) }, `Question ${s.index + 1}${s.q.title ? `: ${s.q.title}` : ""}`)))) : h("p", {}, empty);
    const dialog = h(
      "section",
      { class: "card review", id: "review", "aria-labelledby": "review-title" },
      h("h2", { id: "review-title", tabindex: "-1" }, "Review before you submit"),
      h("h3", {}, `Unanswered (${unanswered.length})`),
      list(unanswered, "Every question has an answer."),
      h("h3", {}, `Flagged for review (${flagged.length})`),
      list(flagged, "No question is flagged."),
      h("p", {}, "After submitting you cannot change your answers."),
      h("div", { class: "actions" }, button("Back to the questions", () => this.backTo(0)), button("Submit exam", () => void this.submit(), { class: "primary danger" })),
    );
    document.getElementById("review")?.remove();
    this.main.querySelector(".actions")?.after(dialog);
    (dialog.querySelector("h2") as HTMLElement).focus();
  }

  private backTo(index: number): void {
    document.getElementById("review")?.remove();
    document.getElementById(`q-${index + 1}`)?.scrollIntoView();
  }

  /** Submit with one Idempotency-Key per attempt: a retried submit never makes a second one. */
  private async submit(): Promise<void> {
    const keyName = `submit-key:${this.attempt.attempt_id}`;
    const key = sessionStorage.getItem(keyName) ?? crypto.randomUUID();
    sessionStorage.setItem(keyName, key);
    this.finishing = true;
    window.clearInterval(this.ticker);
    const status = h("p", { role: "status" }, "Submitting…");
    replace(this.main, h("section", { class: "card", "aria-labelledby": "submitting-title" }, h("h1", { id: "submitting-title" }, "Submitting"), status));
    await this.saver?.flushNow().catch(() => undefined);
    const finals: Record<string, { seq: number; answer: unknown }> = {};
    for (const p of (await this.saver?.pending()) ?? []) finals[p.question_id] = { seq: p.seq, answer: p.answer };
    this.saver?.close();
    for (let attempt = 1; ; attempt += 1) {
      try {
        const receipt = await this.api<Receipt>("/attempt/submit", {
          method: "POST",
          body: { final_answers: finals },
          headers: { "Idempotency-Key": key },
        });
        this.stopListening();
        await showReceipt(this.main, this.store, receipt, () => this.api<Receipt>("/attempt/submission"), this.title);
        return;
      } catch (error) {
        if (error instanceof OfflineError || (error instanceof ApiError && error.status >= 500)) {
          status.textContent = `The connection dropped; retrying (try ${attempt + 1}). Your submission is made once only.`;
          await new Promise((r) => window.setTimeout(r, Math.min(10_000, 1000 * attempt)));
          continue;
        }
        if (error instanceof ApiError && error.status === 409) {
          await this.showSubmitted();
          return;
        }
        throw error;
      }
    }
  }

  private async showSubmitted(): Promise<void> {
    this.stopListening();
    window.clearInterval(this.ticker);
    const receipt = await this.api<Receipt>("/attempt/submission");
    await showReceipt(this.main, this.store, receipt, () => this.api<Receipt>("/attempt/submission"), this.title);
  }
}

function backToList(): HTMLElement {
  return h("p", {}, h("a", { href: "#/" }, "Back to my exams"));
}
