/** After the exam: release results, export CSV, regrade after a key fix (the dry-run diff is
shown before anything applies), and item analysis (facility, discrimination, distractors) with
the analytics service's plots. */

import { button, downloadBlob, field, h, replace } from "../lib/dom";
import type { Ctx } from "./ctx";
import { errorList } from "./setup";
import type { Exam } from "./types";

interface Proposal {
  regrade_id: string;
  from_key_version: number;
  to_key_version: number;
  changed_questions: string[];
  submissions_checked: number;
  students_affected: number;
  changes: { student_id: string; question_id: string; old_score: number; new_score: number; delta: number }[];
}

interface Item {
  question_id: string;
  position: number;
  attempts: number;
  facility: number | null;
  discrimination_index: number | null;
  flags: string[];
  distractors: { option: string; count: number; percent: number; likely_key: boolean; non_functional: boolean }[] | null;
}

const pct = (v: number | null) => (v === null ? "—" : `${v.toFixed(1)}%`);

async function plot(ctx: Ctx, examId: string, name: string, alt: string): Promise<HTMLElement> {
  const response = await ctx.session.fetch(ctx.config.analytics_url, `/v1/exams/${examId}/analysis/${name}.png`);
  const url = URL.createObjectURL(await response.blob());
  return h("img", { src: url, alt, class: "plot" });
}

export function resultsView(ctx: Ctx, exam: Exam, reload: () => void): HTMLElement {
  const reason = h("input", { type: "text", required: true, value: "" });
  const releaseOut = h("div", {});
  const release = h(
    "form",
    { class: "card", "aria-labelledby": "release-title" },
    h("h2", { id: "release-title" }, "Release results"),
    h("p", {}, exam.released_at ? `Released at ${new Date(exam.released_at).toLocaleString()}.` : `Policy: ${exam.release_policy.replace("_", " ")}; not released by hand yet.`),
    field("Reason", reason),
    releaseOut,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Release results now"), button("Export results (CSV)", () => void exportCsv())),
  );
  const exportCsv = async () => {
    const response = await ctx.session.fetch(ctx.config.api_url, `/v1/exams/${exam.exam_id}/results.csv`);
    downloadBlob(`${exam.exam_id}-results.csv`, await response.blob());
  };
  release.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx
      .api(`/v1/exams/${exam.exam_id}/release`, { method: "POST", body: { reason: reason.value } })
      .then(() => reload())
      .catch((e: unknown) => replace(releaseOut, errorList(e)));
  });

  const bank = h("textarea", { rows: 8, class: "mono" });
  const file = h("input", { type: "file", accept: ".gift,.txt,.xml,.json" });
  const regradeReason = h("input", { type: "text", required: true });
  const diff = h("div", { id: "regrade-diff" });
  const regrade = h(
    "form",
    { class: "card", "aria-labelledby": "regrade-title" },
    h("h2", { id: "regrade-title" }, "Regrade after a key fix"),
    h("p", { class: "hint" }, "Upload the fixed bank (same question ids). You see every changed score first; nothing changes until you apply."),
    field("Fixed bank file", file),
    field("…or paste it", bank),
    field("Reason", regradeReason),
    diff,
    h("button", { type: "submit" }, "Show the changes (dry run)"),
  );
  regrade.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      const text = file.files?.[0] ? await file.files[0].text() : bank.value;
      try {
        const p = await ctx.api<Proposal>(`/v1/exams/${exam.exam_id}/regrades`, { method: "POST", body: { bank: text, reason: regradeReason.value } });
        replace(
          diff,
          h("p", { role: "status" }, `Key version ${p.from_key_version} → ${p.to_key_version}: ${p.changed_questions.length} questions changed, ${p.submissions_checked} submissions checked, ${p.students_affected} students affected.`),
          h(
            "table",
            {},
            h("caption", {}, "Score changes (dry run)"),
            h("thead", {}, h("tr", {}, ...["Student", "Question", "Old", "New", "Change"].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, ...p.changes.map((c) => h("tr", {}, h("th", { scope: "row" }, c.student_id), h("td", {}, c.question_id), h("td", {}, String(c.old_score)), h("td", {}, String(c.new_score)), h("td", {}, `${c.delta > 0 ? "+" : ""}${c.delta}`)))),
          ),
          button(`Apply regrade (${p.submissions_checked} submissions)`, () => {
            ctx
              .api<{ jobs_enqueued: number }>(`/v1/exams/${exam.exam_id}/regrades/${p.regrade_id}/apply`, { method: "POST" })
              .then((r) => replace(diff, h("p", { role: "status" }, `Applied: ${r.jobs_enqueued} regrade jobs queued.`)))
              .catch((e: unknown) => replace(diff, errorList(e)));
          }, { class: "primary" }),
        );
      } catch (error) {
        replace(diff, errorList(error));
      }
    })();
  });

  const analysis = h("div", { id: "analysis" });
  const analyse = h(
    "section",
    { class: "card", "aria-labelledby": "analysis-title" },
    h("h2", { id: "analysis-title" }, "Item analysis"),
    h("p", { class: "hint" }, "Facility, discrimination and distractors of first attempts (computed by the analytics service; recompute after manual grading)."),
    button("Compute item analysis", () => void runAnalysis()),
    analysis,
  );
  const runAnalysis = async () => {
    try {
      const report = await ctx.session.call<{ test: { students: number; mean_percent: number | null; cronbach_alpha: number | null }; items: Item[] }>(ctx.config.analytics_url, `/v1/exams/${exam.exam_id}/analysis`, { method: "POST" });
      replace(
        analysis,
        h("p", {}, `${report.test.students} students, mean ${pct(report.test.mean_percent)}, Cronbach's α ${report.test.cronbach_alpha?.toFixed(2) ?? "—"}.`),
        h(
          "table",
          {},
          h("caption", {}, "Items"),
          h("thead", {}, h("tr", {}, ...["#", "Question", "Students", "Facility", "Discrimination", "Flags", "Distractors"].map((t) => h("th", { scope: "col" }, t)))),
          h(
            "tbody",
            {},
            ...report.items.map((i) =>
              h(
                "tr",
                {},
                h("td", {}, String(i.position)),
                h("th", { scope: "row" }, i.question_id),
                h("td", {}, String(i.attempts)),
                h("td", {}, pct(i.facility)),
                h("td", {}, pct(i.discrimination_index)),
                h("td", {}, i.flags.join(", ") || "—"),
                h("td", {}, i.distractors ? i.distractors.map((d) => `${d.option}: ${d.count} (${d.percent.toFixed(0)}%)${d.likely_key ? " key" : ""}${d.non_functional ? " non-functional" : ""}`).join("; ") : "—"),
              ),
            ),
          ),
        ),
        h(
          "div",
          { class: "grid2" },
          await plot(ctx, exam.exam_id, "score-histogram", "Histogram of total scores as a percentage of the maximum, with the mean marked"),
          await plot(ctx, exam.exam_id, "facility-discrimination", "Facility against discrimination index, one numbered point per item, flagged items in red"),
        ),
      );
    } catch (error) {
      replace(analysis, errorList(error));
    }
  };
  return h("div", {}, release, regrade, analyse);
}
