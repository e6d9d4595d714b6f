/** The live monitor: every student's state, time left, last autosave and connection, counts,
pause/resume/extend/terminate with a reason (audited by the API), and grading progress with
the overflow decision (read-only). Live over the notifications SSE stream; the roster is
re-read when an attempt event arrives and every few seconds for the autosave ages.

Connection comes from the stream's `presence` events (docs/platform-services.md, Presence):
online (the student's exam page holds a live stream), reconnecting (lost within the grace),
offline otherwise, and "unknown" while this console's own stream is down. Those cells and the
connection counts are updated in place, so a presence change never moves keyboard focus. */

import { announce, button, field, h, replace } from "../lib/dom";
import { clockTime, dateTime, duration } from "../lib/format";
import { ApiError } from "../lib/http";
import { EventStream } from "../lib/sse";
import type { Ctx } from "./ctx";
import type { Decision, Exam, Monitor, PresenceView, RosterRow, RosterView } from "./types";

const STATE_TEXT: Record<string, string> = {
  not_started: "not started",
  in_progress: "in progress",
  paused: "paused",
  submitted: "submitted",
  auto_submitted: "auto-submitted",
  terminated: "terminated",
};

export class LiveMonitor {
  private roster: RosterView | null = null;
  private offsetMs = 0;
  private presence: PresenceView | null = null;
  private stream: EventStream | null = null;
  private timers: number[] = [];
  private refreshPending = 0;
  private readonly countsEl = h("ul", { class: "counts", "aria-label": "Students by state" });
  private readonly presenceEl = h("ul", { class: "counts", id: "presence-counts", "aria-label": "Connections" });
  private readonly tbody = h("tbody", {});
  private readonly gradingEl = h("div", { id: "grading" });
  private readonly decisionEl = h("div", { id: "decision" });
  private readonly actionEl = h("div", { id: "action-panel" });
  private readonly auditEl = h("ol", { id: "audit", class: "audit" });
  private readonly streamState = h("p", { class: "hint", role: "status" }, "Connecting to live updates…");
  private backlog: Record<string, number> | null = null;

  constructor(
    private readonly ctx: Ctx,
    private readonly exam: Exam,
  ) {}

  render(into: HTMLElement): void {
    replace(
      into,
      h(
        "div",
        {},
        h("section", { class: "card", "aria-labelledby": "live-title" }, h("h2", { id: "live-title" }, "Live monitor"), this.streamState, this.countsEl, this.presenceEl),
        h(
          "div",
          { class: "grid2" },
          h("section", { class: "card", "aria-labelledby": "grading-title" }, h("h2", { id: "grading-title" }, "Grading progress"), this.gradingEl),
          h("section", { class: "card", "aria-labelledby": "decision-title" }, h("h2", { id: "decision-title" }, "Cluster or Lambda"), this.decisionEl),
        ),
        h(
          "section",
          { class: "card", "aria-labelledby": "students-title" },
          h("h2", { id: "students-title" }, "Students"),
          this.actionEl,
          h(
            "table",
            { class: "roster" },
            h("caption", { class: "visually-hidden" }, "Students of this exam, live"),
            h("thead", {}, h("tr", {}, ...["Student", "State", "Time left", "Answered", "Last autosave", "Connection", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
            this.tbody,
          ),
        ),
        h("section", { class: "card", "aria-labelledby": "audit-title" }, h("h2", { id: "audit-title" }, "Audit trail"), this.auditEl),
      ),
    );
    void this.refreshRoster();
    void this.refreshGrading();
    void this.refreshAudit();
    this.stream = new EventStream({
      url: () => `${this.ctx.config.notifications_url}/v1/exams/${this.exam.exam_id}/monitor/stream`,
      token: () => this.ctx.session.token(),
      onEvent: (e) => this.onEvent(e.event, e.data),
      onState: (up) => {
        this.streamState.textContent = up ? "Live: updates arrive as they happen." : "Live updates interrupted; reconnecting…";
        if (!up) {
          this.presence = null;
          this.drawConnections();
        }
      },
    });
    this.stream.start();
    this.timers.push(window.setInterval(() => this.tick(), 1000));
    this.timers.push(window.setInterval(() => void this.refreshRoster(), 5000));
    this.timers.push(window.setInterval(() => void this.refreshGrading(), 2000));
  }

  stop(): void {
    this.stream?.stop();
    for (const t of this.timers) window.clearInterval(t);
  }

  private onEvent(type: string, raw: string): void {
    const payload = JSON.parse(raw) as Record<string, unknown>;
    if (type === "backlog") {
      this.backlog = payload as Record<string, number>;
      this.drawGrading(null);
    } else if (type === "presence") {
      this.presence = payload as unknown as PresenceView;
      this.drawConnections();
    } else if (type.startsWith("attempt.") || type.startsWith("submission.")) {
      window.clearTimeout(this.refreshPending);
      this.refreshPending = window.setTimeout(() => void this.refreshRoster(), 250);
    }
  }

  private async refreshRoster(): Promise<void> {
    const sent = Date.now();
    this.roster = await this.ctx.api<RosterView>(`/v1/exams/${this.exam.exam_id}/roster`);
    this.offsetMs = Date.parse(this.roster.now) - (sent + Date.now()) / 2;
    this.drawCounts();
    this.drawRows();
    this.drawConnections();
  }

  private drawCounts(): void {
    if (!this.roster) return;
    replace(this.countsEl, ...Object.entries(this.roster.counts).map(([state, n]) => h("li", {}, h("strong", {}, String(n)), ` ${STATE_TEXT[state] ?? state}`)));
  }

  private left(row: RosterRow): number | null {
    if (!row.deadline || row.state !== "in_progress") return row.remaining_seconds;
    return Math.max(0, (Date.parse(row.deadline) - (Date.now() + this.offsetMs)) / 1000);
  }

  private tick(): void {
    for (const row of this.roster?.rows ?? []) {
      const cell = document.getElementById(`left-${row.student_id}`);
      const left = this.left(row);
      if (cell && left !== null) cell.textContent = duration(left);
      const age = document.getElementById(`age-${row.student_id}`);
      if (age && row.last_saved_at) age.textContent = `${Math.round((Date.now() + this.offsetMs - Date.parse(row.last_saved_at)) / 1000)} s ago`;
    }
  }

  private drawRows(): void {
    const rows = this.roster?.rows ?? [];
    replace(
      this.tbody,
      ...rows.map((row) => {
        const left = this.left(row);
        const running = row.state === "in_progress" || row.state === "paused";
        return h(
          "tr",
          { id: `row-${row.student_id}` },
          h("th", { scope: "row" }, row.student_id, row.on_roster ? null : h("span", { class: "hint" }, " (off roster)")),
          h("td", { class: `state-${row.state}` }, STATE_TEXT[row.state] ?? row.state, row.late ? " (late)" : ""),
          h("td", { id: `left-${row.student_id}` }, left === null ? "—" : duration(left)),
          h("td", {}, row.question_count ? `${row.answered} / ${row.question_count}` : "—"),
          h("td", { id: `age-${row.student_id}`, title: row.last_saved_at ?? "" }, row.last_saved_at ? clockTime(row.last_saved_at) : "—"),
          h("td", { id: `conn-${row.student_id}` }),
          h(
            "td",
            { class: "row-actions" },
            row.state === "in_progress" ? button("Pause", () => this.askAction(row, "pause"), { class: "small", "aria-label": `Pause ${row.student_id}` }) : null,
            row.state === "paused" ? button("Resume", () => this.askAction(row, "resume"), { class: "small", "aria-label": `Resume ${row.student_id}` }) : null,
            running ? button("Extend", () => this.askAction(row, "extend"), { class: "small", "aria-label": `Extend ${row.student_id}` }) : null,
            running ? button("Terminate", () => this.askAction(row, "terminate"), { class: "small", "aria-label": `Terminate ${row.student_id}` }) : null,
          ),
        );
      }),
    );
  }

  private connectionOf(studentId: string): "unknown" | "online" | "reconnecting" | "offline" {
    const p = this.presence;
    if (!p) return "unknown";
    if (p.online.includes(studentId)) return "online";
    return p.reconnecting.includes(studentId) ? "reconnecting" : "offline";
  }

  /** Connection cells and counts, in place (rows and focus stay where they are). */
  private drawConnections(): void {
    const rows = this.roster?.rows ?? [];
    const counts = { online: 0, reconnecting: 0, offline: 0 };
    for (const row of rows) {
      const state = this.connectionOf(row.student_id);
      const sitting = row.state === "in_progress" || row.state === "paused";
      if (state === "online" || state === "reconnecting") counts[state] += 1;
      else if (state === "offline" && sitting) counts.offline += 1;
      const cell = document.getElementById(`conn-${row.student_id}`);
      if (!cell) continue;
      const lost = this.presence?.lost_at[row.student_id];
      const text = state === "offline" && lost ? `offline since ${clockTime(lost)}` : state;
      if (cell.textContent !== text) cell.textContent = text;
      cell.className = `conn-${state}${state === "offline" && sitting ? " conn-alert" : ""}`;
      if (lost) cell.title = `connection lost at ${dateTime(lost)}`;
      else cell.removeAttribute("title");
    }
    if (!this.presence) {
      replace(this.presenceEl, h("li", {}, "Connections unknown while live updates are interrupted"));
      return;
    }
    replace(
      this.presenceEl,
      h("li", { id: "online-count" }, h("strong", {}, String(counts.online)), " online"),
      h("li", { id: "reconnecting-count" }, h("strong", {}, String(counts.reconnecting)), " reconnecting"),
      h("li", { id: "offline-count" }, h("strong", {}, String(counts.offline)), " offline during their attempt"),
    );
  }

  private askAction(row: RosterRow, action: "pause" | "resume" | "extend" | "terminate"): void {
    const reason = h("input", { type: "text", required: true, maxlength: 1000 });
    const minutes = h("input", { type: "number", min: 1, max: 10080, value: 5, required: true });
    const error = h("p", { class: "error", role: "alert" });
    const form = h(
      "form",
      { class: "card", "aria-labelledby": "action-title" },
      h("h3", { id: "action-title", tabindex: "-1" }, `${action[0]!.toUpperCase()}${action.slice(1)} ${row.student_id}`),
      action === "extend" ? field("Extra minutes", minutes) : null,
      field("Reason (kept in the audit trail)", reason),
      error,
      h("div", { class: "actions" }, h("button", { type: "submit", class: action === "terminate" ? "primary danger" : "primary" }, `Confirm ${action}`), button("Cancel", () => replace(this.actionEl))),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body: Record<string, unknown> = { reason: reason.value.trim() };
      if (action === "extend") body["seconds"] = Math.round(Number(minutes.value) * 60);
      this.ctx
        .api(`/v1/exams/${this.exam.exam_id}/attempts/${encodeURIComponent(row.student_id)}/${action}`, { method: "POST", body })
        .then(() => {
          replace(this.actionEl);
          announce(`${action} applied to ${row.student_id}.`);
          void this.refreshRoster();
          void this.refreshAudit();
        })
        .catch((e: unknown) => {
          error.textContent = e instanceof ApiError ? e.message : String(e);
        });
    });
    replace(this.actionEl, form);
    (action === "extend" ? minutes : reason).focus();
  }

  private async refreshGrading(): Promise<void> {
    const [monitor, decision] = await Promise.all([
      this.ctx.api<Monitor>(`/v1/exams/${this.exam.exam_id}/monitor`),
      this.ctx.api<Decision>(`/v1/grading/decision?queue=${encodeURIComponent(this.ctx.config.grading_queue)}`),
    ]);
    this.drawGrading(monitor);
    const mode = decision.effective_mode;
    replace(
      this.decisionEl,
      h("p", {}, "Grading runs ", h("strong", { class: `mode-${mode}`, id: "grading-mode" }, mode === "overflow" ? "on the cluster and overflows to Lambda" : mode === "prewarm" ? "on the cluster (pre-warming)" : "on the cluster")),
      h("p", { class: "hint" }, decision.present ? `Decision by ${decision.policy ?? "the operator"}${decision.utilization !== null ? `, utilization ${Math.round(decision.utilization * 100)}%` : ""}; valid until ${decision.valid_until ? clockTime(decision.valid_until) : "—"}${decision.expired ? " (expired)" : ""}${decision.dry_run ? " (dry run)" : ""}.` : "No decision record: dispatchers use their outage behaviour."),
      h("ul", { "aria-label": "Reasons", id: "decision-reasons" }, ...(decision.reasons.length ? decision.reasons : [decision.effective_reason]).map((r) => h("li", {}, r))),
    );
  }

  private lastMonitor: Monitor | null = null;

  private drawGrading(monitor: Monitor | null): void {
    if (monitor) this.lastMonitor = monitor;
    const m = this.lastMonitor;
    if (!m) return;
    const pending = this.backlog ? (this.backlog["length"] ?? 0) + (this.backlog["pending"] ?? 0) : m.grading_backlog;
    const oldest = this.backlog ? (this.backlog["oldest_pending_age_seconds"] ?? 0) : m.oldest_pending_age_seconds;
    replace(
      this.gradingEl,
      h(
        "dl",
        {},
        h("dt", {}, "Graded"),
        h("dd", { id: "graded-count" }, `${m.graded} of ${m.submitted} submitted`),
        h("dt", {}, "On the cluster / on Lambda"),
        h("dd", {}, `${m.graded_on_cluster} / ${m.graded_on_lambda}`),
        h("dt", {}, "Pending"),
        h("dd", { id: "pending-count" }, String(pending)),
        h("dt", {}, "Oldest pending"),
        h("dd", {}, `${oldest.toFixed(1)} s`),
        h("dt", {}, "Dead letters"),
        h("dd", {}, String(m.dead_letters)),
      ),
    );
  }

  private async refreshAudit(): Promise<void> {
    const entries = await this.ctx.api<{ at: string; actor: string; action: string; student_id: string | null; reason: string; details: Record<string, unknown> }[]>(`/v1/exams/${this.exam.exam_id}/audit`);
    replace(
      this.auditEl,
      ...(entries.length ? entries.map((e) => h("li", {}, `${dateTime(e.at)}: ${e.action}${e.student_id ? ` ${e.student_id}` : ""} by ${e.actor} — ${e.reason}${Object.keys(e.details).length ? ` ${JSON.stringify(e.details)}` : ""}`)) : [h("li", {}, "No proctor actions yet.")]),
    );
  }
}
