/** Exam set-up: create an exam from GIFT, QTI or a JSON bank (import errors with line and
column), change its window, limit, grace and zone, upload a roster CSV (accounts through
identity, one-time passwords shown once) and set accommodations. */

import { button, field, h, replace } from "../lib/dom";
import { fromLocalInput, toLocalInput } from "../lib/format";
import { ApiError } from "../lib/http";
import type { Ctx } from "./ctx";
import type { Exam } from "./types";

export function errorList(error: unknown): HTMLElement {
  if (error instanceof ApiError) {
    const items = (error.details["errors"] as { line?: number | null; column?: number | null; message?: string; msg?: string; loc?: unknown[] }[] | undefined) ?? [];
    return h(
      "div",
      { role: "alert", class: "error-block" },
      h("p", { class: "error" }, error.message),
      items.length
        ? h("ul", { id: "import-errors" }, ...items.map((e) => h("li", {}, e.line != null ? `Line ${e.line}${e.column != null ? `, column ${e.column}` : ""}: ${e.message ?? e.msg ?? ""}` : `${(e.loc ?? []).join(".")}: ${e.message ?? e.msg ?? ""}`)))
        : null,
    );
  }
  return h("p", { role: "alert", class: "error" }, String(error));
}

function readFile(input: HTMLInputElement): Promise<string | null> {
  const file = input.files?.[0];
  return file ? file.text() : Promise.resolve(null);
}

export function createExamForm(ctx: Ctx, onCreated: (exam: Exam) => void): HTMLElement {
  const now = new Date();
  const title = h("input", { type: "text", required: true, maxlength: 300 });
  const bank = h("textarea", { rows: 10, class: "mono" });
  const file = h("input", { type: "file", accept: ".gift,.txt,.xml,.json,.zip" });
  const format = h("select", {}, ...["auto", "gift", "qti", "json"].map((f) => h("option", { value: f }, f)));
  const opens = h("input", { type: "datetime-local", required: true, value: toLocalInput(now) });
  const closes = h("input", { type: "datetime-local", required: true, value: toLocalInput(new Date(now.getTime() + 2 * 3600_000)) });
  const zone = h("input", { type: "text", value: Intl.DateTimeFormat().resolvedOptions().timeZone });
  const limit = h("input", { type: "number", min: 1, value: 60 });
  const grace = h("input", { type: "number", min: 0, value: 60 });
  const release = h("select", {}, ...["after_close", "manual", "immediately"].map((f) => h("option", { value: f }, f.replace("_", " "))));
  const out = h("div", {});
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "create-title" },
    h("h2", { id: "create-title" }, "Create an exam"),
    field("Title", title),
    field("Question bank file (GIFT, QTI XML, JSON)", file),
    field("…or paste the question bank", bank),
    field("Format", format),
    h("div", { class: "grid2" }, field("Opens at (your time)", opens), field("Closes at (your time)", closes)),
    h("div", { class: "grid2" }, field("Time limit (minutes)", limit), field("Grace after the deadline (seconds)", grace)),
    h("div", { class: "grid2" }, field("Display time zone (IANA)", zone), field("Results release", release)),
    out,
    h("button", { type: "submit", class: "primary" }, "Create exam"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      replace(out);
      const text = (await readFile(file)) ?? bank.value;
      try {
        const exam = await ctx.api<Exam>("/v1/exams", {
          method: "POST",
          body: {
            title: title.value,
            bank: text,
            format: format.value,
            opens_at: fromLocalInput(opens.value),
            closes_at: fromLocalInput(closes.value),
            display_timezone: zone.value,
            time_limit_seconds: limit.value ? Math.round(Number(limit.value) * 60) : null,
            grace_seconds: Number(grace.value || 0),
            release_policy: release.value,
          },
        });
        onCreated(exam);
      } catch (error) {
        replace(out, errorList(error));
      }
    })();
  });
  return form;
}

export function setupView(ctx: Ctx, exam: Exam, reload: () => void): HTMLElement {
  const opens = h("input", { type: "datetime-local", value: toLocalInput(new Date(exam.opens_at)) });
  const closes = h("input", { type: "datetime-local", value: toLocalInput(new Date(exam.closes_at)) });
  const limit = h("input", { type: "number", min: 1, value: exam.time_limit_seconds ? Math.round(exam.time_limit_seconds / 60) : "" });
  const grace = h("input", { type: "number", min: 0, value: exam.grace_seconds });
  const zone = h("input", { type: "text", value: exam.display_timezone });
  const scheduleOut = h("div", {});
  const schedule = h(
    "form",
    { class: "card", "aria-labelledby": "schedule-title" },
    h("h2", { id: "schedule-title" }, "Window and timing"),
    h("div", { class: "grid2" }, field("Opens at (your time)", opens), field("Closes at (your time)", closes)),
    h("div", { class: "grid2" }, field("Time limit (minutes)", limit), field("Grace (seconds)", grace)),
    field("Display time zone", zone),
    scheduleOut,
    h("button", { type: "submit" }, "Save timing"),
  );
  schedule.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx
      .api(`/v1/exams/${exam.exam_id}`, {
        method: "PATCH",
        body: {
          opens_at: fromLocalInput(opens.value),
          closes_at: fromLocalInput(closes.value),
          time_limit_seconds: limit.value ? Math.round(Number(limit.value) * 60) : null,
          grace_seconds: Number(grace.value || 0),
          display_timezone: zone.value,
        },
      })
      .then(() => reload())
      .catch((e: unknown) => replace(scheduleOut, errorList(e)));
  });

  const csv = h("input", { type: "file", accept: ".csv,text/csv" });
  const rosterOut = h("div", { id: "roster-result" });
  const roster = h(
    "form",
    { class: "card", "aria-labelledby": "roster-title" },
    h("h2", { id: "roster-title" }, `Roster (${exam.roster.length} students)`),
    h("p", { class: "hint" }, "CSV with a username column (display_name, email optional). New students get an account with a one-time password, shown once below; everyone in the file joins this exam's roster."),
    field("Roster CSV file", csv),
    rosterOut,
    h("button", { type: "submit" }, "Upload roster"),
  );
  roster.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      const text = await readFile(csv);
      if (!text) return;
      try {
        const result = await ctx.session.call<{ entries: { line: number; username: string; status: string; user_id: string | null; password: string | null; message: string | null }[] }>(
          ctx.config.identity_url,
          `/v1/orgs/${encodeURIComponent(ctx.me.org)}/roster?credentials=password`,
          { method: "POST", rawBody: text, contentType: "text/csv" },
        );
        const ids = result.entries.filter((e) => e.user_id).map((e) => e.user_id as string);
        await ctx.api(`/v1/exams/${exam.exam_id}`, { method: "PATCH", body: { roster: [...new Set([...exam.roster, ...ids])] } });
        replace(
          rosterOut,
          h(
            "table",
            {},
            h("caption", {}, "Imported students (one-time passwords are shown only now)"),
            h("thead", {}, h("tr", {}, ...["Line", "Username", "Student id", "Status", "One-time password"].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, ...result.entries.map((e) => h("tr", {}, h("td", {}, String(e.line)), h("th", { scope: "row" }, e.username), h("td", { class: "mono" }, e.user_id ?? "—"), h("td", {}, e.message ? `${e.status}: ${e.message}` : e.status), h("td", { class: "mono" }, e.password ?? "—")))),
          ),
          button("Done", reload),
        );
      } catch (error) {
        replace(rosterOut, errorList(error));
      }
    })();
  });

  const student = h("select", {}, ...exam.roster.map((s) => h("option", { value: s }, s)));
  const multiplier = h("input", { type: "number", min: 1, max: 10, step: 0.05, value: 1.25 });
  const extra = h("input", { type: "number", min: 0, value: 0 });
  const reason = h("input", { type: "text", required: true });
  const accOut = h("div", {});
  const acc = h(
    "form",
    { class: "card", "aria-labelledby": "acc-title" },
    h("h2", { id: "acc-title" }, "Accommodations"),
    h("ul", {}, ...Object.entries(exam.accommodations).map(([s, a]) => h("li", {}, `${s}: × ${a.time_multiplier}, + ${a.extra_seconds} s`))),
    field("Student", student),
    h("div", { class: "grid2" }, field("Time multiplier", multiplier), field("Extra seconds", extra)),
    field("Reason", reason),
    accOut,
    h("button", { type: "submit" }, "Save accommodation"),
  );
  acc.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx
      .api(`/v1/exams/${exam.exam_id}/accommodations/${encodeURIComponent(student.value)}`, {
        method: "PUT",
        body: { time_multiplier: Number(multiplier.value), extra_seconds: Number(extra.value), reason: reason.value },
      })
      .then(() => reload())
      .catch((e: unknown) => replace(accOut, errorList(e)));
  });
  return h("div", {}, schedule, roster, acc);
}
