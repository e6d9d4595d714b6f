/** The submit receipt: submission id, server time, the answers' digest, and whether that digest
matches the answers this device sent; downloadable as JSON. Also the released results. */

import { answersDigest } from "../lib/digest";
import { button, downloadBlob, h, replace } from "../lib/dom";
import { dateTime, zone } from "../lib/format";
import type { AnswerStore } from "./store";
import type { Receipt, StudentResult } from "./types";

async function localDigest(store: AnswerStore, attemptId: string): Promise<string | null> {
  const local = await store.all(attemptId);
  if (!local.length) return null;
  return answersDigest(Object.fromEntries(local.map((a) => [a.question_id, a.answer])));
}

export async function showReceipt(
  root: HTMLElement,
  store: AnswerStore,
  receipt: Receipt,
  stored: () => Promise<Receipt>,
  title: string,
): Promise<void> {
  const mine = await localDigest(store, receipt.attempt_id);
  const check =
    mine === null
      ? "No answers from this device to compare."
      : mine === receipt.answers_digest
        ? "The digest matches the answers this device sent."
        : "The digest differs from the answers on this device (answers given on another device, or changed after the last save).";
  const how = receipt.auto_submitted ? "Submitted automatically at the deadline" : receipt.late ? "Submitted in the grace period (late)" : "Submitted";
  replace(
    root,
    h(
      "section",
      { class: "card receipt", "aria-labelledby": "receipt-title" },
      h("h1", { id: "receipt-title", tabindex: "-1" }, `Receipt: ${title}`),
      h("p", { role: "status" }, `${how}. Your submission is stored.`),
      h(
        "dl",
        {},
        h("dt", {}, "Submission ID"),
        h("dd", { id: "receipt-submission-id", class: "mono" }, receipt.submission_id),
        h("dt", {}, "Received by the server"),
        h("dd", { id: "receipt-received-at" }, `${dateTime(receipt.received_at)} (${zone}) — ${receipt.received_at}`),
        h("dt", {}, "Answers"),
        h("dd", { id: "receipt-answer-count" }, String(receipt.answer_count)),
        h("dt", {}, "Answers digest (SHA-256)"),
        h("dd", { id: "receipt-digest", class: "mono digest" }, receipt.answers_digest),
        h("dt", {}, "Check"),
        h("dd", { id: "receipt-check" }, check),
      ),
      h(
        "div",
        { class: "actions" },
        button("Download receipt", () => {
          void stored().then((full) => {
            const body = JSON.stringify({ exam: title, ...full }, null, 2);
            downloadBlob(`receipt-${full.submission_id}.json`, new Blob([body], { type: "application/json" }));
          });
        }),
        h("a", { href: "#/", class: "button" }, "Back to my exams"),
      ),
    ),
  );
  (root.querySelector("#receipt-title") as HTMLElement).focus();
}

export function resultsView(title: string, result: StudentResult): HTMLElement {
  if (!result.released || result.status !== "graded") {
    const why = result.status === "grading" ? "Your submission is being graded." : "Results are not released yet.";
    return h("section", { class: "card", "aria-labelledby": "results-title" }, h("h1", { id: "results-title" }, `Results: ${title}`), h("p", { role: "status" }, `${why} This page updates when your proctor releases them.`));
  }
  return h(
    "section",
    { class: "card", "aria-labelledby": "results-title" },
    h("h1", { id: "results-title" }, `Results: ${title}`),
    h("p", { class: "total" }, `Total: ${result.total} of ${result.max_total}`),
    h(
      "table",
      {},
      h("caption", {}, "Score per question"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Question"), h("th", { scope: "col" }, "Score"), h("th", { scope: "col" }, "Feedback"))),
      h(
        "tbody",
        {},
        ...result.questions.map((q, i) =>
          h("tr", {}, h("th", { scope: "row" }, `Question ${i + 1}`), h("td", {}, q.status === "needs_manual_grading" ? "awaiting marking" : `${q.score} / ${q.max_score}`), h("td", {}, (q.feedback ?? []).join(" ") || "—")),
        ),
      ),
    ),
  );
}
