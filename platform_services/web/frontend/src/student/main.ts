/** The student exam page: sign in, my exams (times in my zone), sit an exam, receipts, results.

Routes (hash): `#/` the list, `#/exam/<id>` sitting the exam (or its receipt once submitted),
`#/results/<id>` released results. All data comes from the assessment API with the student's
own token; the page shows nothing the API does not show the student. */

import { loadConfig, type PageConfig } from "../lib/config";
import { button, h, replace } from "../lib/dom";
import { dateTime, duration, zone } from "../lib/format";
import { ApiError } from "../lib/http";
import { signIn, signOutButton } from "../lib/login";
import { Session, type Me } from "../lib/session";
import { ExamSitting } from "./exam";
import { resultsView } from "./receipt";
import type { ExamEntry, StudentResult } from "./types";

const STATE_TEXT: Record<ExamEntry["attempt_state"], string> = {
  not_started: "Not started",
  in_progress: "In progress",
  paused: "Paused by the proctor",
  submitted: "Submitted",
  terminated: "Ended by the proctor",
};

async function examList(main: HTMLElement, config: PageConfig, session: Session): Promise<void> {
  const exams = await session.call<ExamEntry[]>(config.api_url, "/v1/students/me/exams");
  const now = Date.now();
  const rows = exams.map((e) => {
    const open = Date.parse(e.opens_at) <= now && now < Date.parse(e.closes_at);
    let action: HTMLElement;
    if (e.attempt_state === "submitted" || e.attempt_state === "terminated") {
      action = h("span", {}, h("a", { href: `#/exam/${e.exam_id}`, "aria-label": `Receipt for ${e.title}` }, "Receipt"), " · ", h("a", { href: `#/results/${e.exam_id}`, "aria-label": `Results of ${e.title}` }, e.results_released ? "Results" : "Results (not released)"));
    } else if (open) {
      action = h("a", { href: `#/exam/${e.exam_id}`, class: "button primary", "aria-label": `${e.attempt_state === "not_started" ? "Start" : "Continue"} ${e.title}` }, e.attempt_state === "not_started" ? "Start" : "Continue");
    } else {
      action = h("span", {}, Date.parse(e.opens_at) > now ? "Opens later" : "Closed");
    }
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, e.title),
      h("td", {}, dateTime(e.opens_at)),
      h("td", {}, dateTime(e.closes_at)),
      h("td", {}, e.time_limit_seconds ? duration(e.time_limit_seconds) : "Until close"),
      h("td", {}, STATE_TEXT[e.attempt_state]),
      h("td", {}, action),
    );
  });
  replace(
    main,
    h(
      "section",
      { class: "card", "aria-labelledby": "list-title" },
      h("h1", { id: "list-title" }, "My exams"),
      h("p", { class: "hint" }, `Times are shown in your time zone, ${zone}.`),
      exams.length
        ? h(
            "table",
            { class: "exam-list" },
            h("caption", { class: "visually-hidden" }, "Exams you are registered for"),
            h("thead", {}, h("tr", {}, ...["Exam", "Opens", "Closes", "Time limit", "State", "Action"].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, ...rows),
          )
        : h("p", {}, "You are not registered for any exam."),
      button("Refresh", () => void examList(main, config, session)),
    ),
  );
}

async function results(main: HTMLElement, config: PageConfig, session: Session, examId: string): Promise<void> {
  const overview = await session.call<{ title: string }>(config.api_url, `/v1/exams/${examId}/overview`);
  const hash = window.location.hash;
  for (;;) {
    const result = await session.call<StudentResult>(config.api_url, `/v1/exams/${examId}/attempt/result`);
    replace(main, resultsView(overview.title, result), h("p", {}, h("a", { href: "#/" }, "Back to my exams")));
    if ((result.released && result.status === "graded") || result.status === "not_submitted") return;
    await new Promise((r) => window.setTimeout(r, 3000));
    if (window.location.hash !== hash) return;
  }
}

let sitting: ExamSitting | null = null;

async function route(main: HTMLElement, config: PageConfig, session: Session): Promise<void> {
  const [, kind, id] = window.location.hash.split("/");
  sitting?.leave();
  sitting = null;
  try {
    if (kind === "exam" && id) {
      const overview = await session.call<{ title: string }>(config.api_url, `/v1/exams/${id}/overview`);
      document.title = `${overview.title} — exam`;
      sitting = new ExamSitting(main, config, session, id, overview.title);
      await sitting.open();
    } else if (kind === "results" && id) {
      await results(main, config, session, id);
    } else {
      document.title = "My exams";
      await examList(main, config, session);
    }
  } catch (error) {
    const message = error instanceof ApiError ? error.message : "The exam service cannot be reached. Your answers stay on this device; reload when you are back online.";
    replace(main, h("section", { class: "card", "aria-labelledby": "error-title" }, h("h1", { id: "error-title" }, "Something went wrong"), h("p", { role: "alert" }, message), h("p", {}, h("a", { href: "#/" }, "Back to my exams"))));
  }
}

async function start(): Promise<void> {
  const main = document.getElementById("main") as HTMLElement;
  const who = document.getElementById("who") as HTMLElement;
  const config = await loadConfig();
  const session = new Session(config.identity_url, "exam-page:student");
  let me: Me | null = null;
  if (session.signedIn) me = await session.me().catch(() => null);
  if (!me || me.must_change_password) me = await signIn(main, session, "Sign in to your exams");
  if (me.role !== "student") {
    replace(main, h("section", { class: "card" }, h("h1", {}, "This page is for students"), h("p", {}, "Proctors use the ", h("a", { href: "/proctor/" }, "proctor console"), ".")));
    return;
  }
  replace(who, h("span", {}, me.display_name || me.username), signOutButton(session));
  window.addEventListener("hashchange", () => void route(main, config, session));
  await route(main, config, session);
}

void start();
