/** The proctor console: sign in, my exams, create an exam, then per exam the live monitor,
set-up (timing, roster, accommodations) and results (release, CSV, regrade, item analysis).

Routes (hash): `#/` the exam list and the create form, `#/exam/<id>/<tab>` one exam. Every
call carries the proctor's own token; the API decides what they may see and do. */

import { loadConfig } from "../lib/config";
import { h, replace } from "../lib/dom";
import { dateTime, duration, zone } from "../lib/format";
import { ApiError } from "../lib/http";
import { signIn, signOutButton } from "../lib/login";
import { Session, type Me } from "../lib/session";
import type { Ctx } from "./ctx";
import { LiveMonitor } from "./monitor";
import { resultsView } from "./results";
import { createExamForm, setupView } from "./setup";
import type { Exam } from "./types";

const TABS = [
  ["monitor", "Live monitor"],
  ["setup", "Set-up"],
  ["results", "Results"],
] as const;

let monitor: LiveMonitor | null = null;

async function examList(main: HTMLElement, ctx: Ctx): Promise<void> {
  const exams = await ctx.api<Exam[]>("/v1/exams");
  replace(
    main,
    h(
      "section",
      { class: "card", "aria-labelledby": "exams-title" },
      h("h1", { id: "exams-title" }, "My exams"),
      h("p", { class: "hint" }, `Times in your time zone, ${zone}.`),
      exams.length
        ? h(
            "table",
            {},
            h("caption", { class: "visually-hidden" }, "Your exams"),
            h("thead", {}, h("tr", {}, ...["Exam", "Opens", "Closes", "Time limit", "Students", "Questions"].map((t) => h("th", { scope: "col" }, t)))),
            h(
              "tbody",
              {},
              ...exams.map((e) =>
                h("tr", {}, h("th", { scope: "row" }, h("a", { href: `#/exam/${e.exam_id}/monitor` }, e.title)), h("td", {}, dateTime(e.opens_at)), h("td", {}, dateTime(e.closes_at)), h("td", {}, e.time_limit_seconds ? duration(e.time_limit_seconds) : "until close"), h("td", {}, String(e.roster.length)), h("td", {}, String(e.question_count))),
              ),
            ),
          )
        : h("p", {}, "No exams yet."),
    ),
    createExamForm(ctx, (exam) => {
      window.location.hash = `#/exam/${exam.exam_id}/setup`;
    }),
  );
}

async function examView(main: HTMLElement, ctx: Ctx, examId: string, tab: string): Promise<void> {
  const exam = await ctx.api<Exam>(`/v1/exams/${examId}`);
  document.title = `${exam.title} — proctor console`;
  const body = h("div", { id: "tab-body", role: "tabpanel", "aria-labelledby": `tab-${tab}` });
  const reload = () => void examView(main, ctx, examId, tab);
  replace(
    main,
    h(
      "div",
      {},
      h("p", {}, h("a", { href: "#/" }, "All exams")),
      h("h1", {}, exam.title),
      h("p", { class: "hint" }, `${dateTime(exam.opens_at)} – ${dateTime(exam.closes_at)} (your zone ${zone}; display zone ${exam.display_timezone}), ${exam.time_limit_seconds ? `limit ${duration(exam.time_limit_seconds)}` : "no time limit"}, grace ${exam.grace_seconds} s, ${exam.question_count} questions, key version ${exam.key_version}.`),
      h(
        "div",
        { class: "tabs", role: "tablist", "aria-label": "Exam views" },
        ...TABS.map(([id, label]) => {
          const selected = id === tab;
          const b = h("button", { type: "button", role: "tab", id: `tab-${id}`, "aria-selected": String(selected), "aria-controls": "tab-body", tabindex: selected ? "0" : "-1" }, label);
          b.addEventListener("click", () => {
            window.location.hash = `#/exam/${examId}/${id}`;
          });
          return b;
        }),
      ),
      body,
    ),
  );
  if (tab === "monitor") {
    monitor = new LiveMonitor(ctx, exam);
    monitor.render(body);
  } else if (tab === "setup") {
    body.appendChild(setupView(ctx, exam, reload));
  } else {
    body.appendChild(resultsView(ctx, exam, reload));
  }
}

async function route(main: HTMLElement, ctx: Ctx): Promise<void> {
  monitor?.stop();
  monitor = null;
  const [, kind, id, tab] = window.location.hash.split("/");
  try {
    if (kind === "exam" && id) await examView(main, ctx, id, tab && TABS.some(([t]) => t === tab) ? tab : "monitor");
    else {
      document.title = "Proctor console";
      await examList(main, ctx);
    }
  } catch (error) {
    replace(main, h("section", { class: "card", "aria-labelledby": "error-title" }, h("h1", { id: "error-title" }, "Something went wrong"), h("p", { role: "alert" }, error instanceof ApiError ? error.message : String(error)), h("p", {}, h("a", { href: "#/" }, "All exams"))));
  }
}

async function start(): Promise<void> {
  const main = document.getElementById("main") as HTMLElement;
  const who = document.getElementById("who") as HTMLElement;
  const config = await loadConfig();
  const session = new Session(config.identity_url, "exam-page:proctor");
  let me: Me | null = null;
  if (session.signedIn) me = await session.me().catch(() => null);
  if (!me || me.must_change_password) me = await signIn(main, session, "Proctor console: sign in");
  if (me.role !== "proctor" && me.role !== "admin") {
    replace(main, h("section", { class: "card" }, h("h1", {}, "This console is for proctors"), h("p", {}, "Students sit their exams on the ", h("a", { href: "/" }, "exam page"), ".")));
    return;
  }
  const signedIn = me;
  const ctx: Ctx = { config, session, me: signedIn, api: (path, options) => session.call(config.api_url, path, options) };
  replace(who, h("span", {}, `${signedIn.display_name || signedIn.username} (${signedIn.role}, ${signedIn.org})`), signOutButton(session));
  window.addEventListener("hashchange", () => void route(main, ctx));
  await route(main, ctx);
}

void start();
