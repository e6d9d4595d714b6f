/** One renderer per question type the engine grades; each builds labelled, keyboard-operable
controls and reports the answer in the type's response shape (docs/grading.md):

multichoice → list of option texts; truefalse → boolean; shortanswer, numerical, formula,
essay, code → string; matching → {stem: choice | null}; ordering → list of items; cloze →
{"1": …, "2": …} with each blank in its sub-type's shape; qti → {responseIdentifier: value}
(student/qti.ts). */

import { button, h, nextId } from "../lib/dom";
import { plainText, renderText } from "../lib/rich";
import { qtiQuestion } from "./qti";
import type { QuestionView } from "./types";

export interface Rendered {
  body: HTMLElement;
  get(): unknown;
  set(answer: unknown): void;
  answered(): boolean;
}

type OnChange = () => void;

function options(q: Record<string, unknown>, key: string): string[] {
  const value = q[key];
  return Array.isArray(value) ? value.map(String) : [];
}

function labelled(text: string, format: string): HTMLElement {
  return h("span", { class: "option-text" }, renderText(text, format));
}

function choiceGroup(
  name: string,
  legend: string,
  opts: string[],
  single: boolean,
  format: string,
  onChange: OnChange,
): { el: HTMLElement; get(): string[]; set(v: unknown): void } {
  const inputs: HTMLInputElement[] = [];
  const fieldset = h("fieldset", { class: "choices" }, h("legend", { class: "visually-hidden" }, legend));
  for (const option of opts) {
    const input = h("input", { type: single ? "radio" : "checkbox", name, value: option });
    input.addEventListener("change", onChange);
    inputs.push(input);
    fieldset.appendChild(h("label", { class: "choice" }, input, labelled(option, format)));
  }
  return {
    el: fieldset,
    get: () => inputs.filter((i) => i.checked).map((i) => i.value),
    set: (v) => {
      const chosen = new Set(Array.isArray(v) ? v.map(String) : []);
      for (const i of inputs) i.checked = chosen.has(i.value);
    },
  };
}

function multichoice(q: QuestionView, legend: string, onChange: OnChange): Rendered {
  const group = choiceGroup(nextId("mc"), legend, options(q, "options"), q["single"] === true, q.text_format, onChange);
  return { body: group.el, get: group.get, set: group.set, answered: () => group.get().length > 0 };
}

function truefalse(legend: string, onChange: OnChange): Rendered {
  const name = nextId("tf");
  const yes = h("input", { type: "radio", name, value: "true" });
  const no = h("input", { type: "radio", name, value: "false" });
  yes.addEventListener("change", onChange);
  no.addEventListener("change", onChange);
  const el = h(
    "fieldset",
    { class: "choices" },
    h("legend", { class: "visually-hidden" }, legend),
    h("label", { class: "choice" }, yes, " True"),
    h("label", { class: "choice" }, no, " False"),
  );
  return {
    body: el,
    get: () => (yes.checked ? true : no.checked ? false : null),
    set: (v) => {
      yes.checked = v === true;
      no.checked = v === false;
    },
    answered: () => yes.checked || no.checked,
  };
}

function textInput(label: string, onChange: OnChange, attrs: Record<string, string> = {}): HTMLInputElement {
  const input = h("input", { type: "text", "aria-label": label, autocomplete: "off", spellcheck: "false", ...attrs });
  input.addEventListener("input", onChange);
  return input;
}

function text(label: string, onChange: OnChange, hint?: string): Rendered {
  const input = textInput(label, onChange);
  const body = h("div", { class: "answer-line" }, input);
  if (hint) {
    const id = nextId("hint");
    input.setAttribute("aria-describedby", id);
    body.appendChild(h("p", { class: "hint", id }, hint));
  }
  return {
    body,
    get: () => (input.value === "" ? null : input.value),
    set: (v) => {
      input.value = typeof v === "string" ? v : v == null ? "" : String(v);
    },
    answered: () => input.value.trim() !== "",
  };
}

/** Numerical: the number, and a unit picker when the question takes units. */
function numerical(q: QuestionView, label: string, onChange: OnChange): Rendered {
  const units = options(q, "units");
  const value = textInput(`${label}: number`, onChange, { inputmode: "decimal" });
  if (units.length === 0) {
    return text(label, onChange, "A number, e.g. 3.14 or 6.02e23.");
  }
  const unit = h("select", { "aria-label": `${label}: unit` });
  unit.appendChild(h("option", { value: "" }, q["unit_handling"] === "required" ? "Choose a unit" : "No unit"));
  for (const u of units) unit.appendChild(h("option", { value: u }, u));
  unit.addEventListener("change", onChange);
  return {
    body: h("div", { class: "answer-line" }, value, unit),
    get: () => (value.value.trim() === "" ? null : `${value.value.trim()}${unit.value ? ` ${unit.value}` : ""}`),
    set: (v) => {
      const s = typeof v === "string" ? v : v == null ? "" : String(v);
      const match = units.find((u) => s.endsWith(` ${u}`));
      value.value = match ? s.slice(0, -match.length - 1) : s;
      unit.value = match ?? "";
    },
    answered: () => value.value.trim() !== "",
  };
}

function matching(q: QuestionView, onChange: OnChange): Rendered {
  const stems = options(q, "stems");
  const choices = options(q, "choices");
  const selects = new Map<string, HTMLSelectElement>();
  const table = h("div", { class: "matching" });
  for (const stem of stems) {
    const select = h("select", { "aria-label": `Match for: ${plainText(stem)}` });
    select.appendChild(h("option", { value: "" }, "Choose…"));
    for (const c of choices) select.appendChild(h("option", { value: c }, plainText(c)));
    select.addEventListener("change", onChange);
    selects.set(stem, select);
    table.appendChild(h("div", { class: "match-row" }, h("span", { class: "stem", "aria-hidden": "true" }, renderText(stem, q.text_format)), select));
  }
  return {
    body: table,
    get: () => Object.fromEntries(stems.map((s) => [s, selects.get(s)!.value || null])),
    set: (v) => {
      const map = v && typeof v === "object" ? (v as Record<string, unknown>) : {};
      for (const [stem, select] of selects) select.value = typeof map[stem] === "string" ? (map[stem] as string) : "";
    },
    answered: () => [...selects.values()].some((s) => s.value !== ""),
  };
}

/** Ordering without dragging: each item has Move up / Move down buttons. */
function ordering(q: QuestionView, onChange: OnChange): Rendered {
  let items = options(q, "items");
  let touched = false;
  const list = h("ol", { class: "ordering" });
  const live = h("p", { class: "visually-hidden", "aria-live": "polite" });
  const draw = (focus?: { index: number; dir: "up" | "down" }) => {
    list.replaceChildren();
    items.forEach((item, index) => {
      const label = plainText(item);
      const up = button("Move up", () => move(index, -1), { "aria-label": `Move up: ${label}`, class: "small" });
      const down = button("Move down", () => move(index, 1), { "aria-label": `Move down: ${label}`, class: "small" });
      up.disabled = index === 0;
      down.disabled = index === items.length - 1;
      list.appendChild(h("li", { class: "order-item" }, h("span", { class: "option-text" }, renderText(item, q.text_format)), up, down));
      if (focus && focus.index === index) (focus.dir === "up" && !up.disabled ? up : down.disabled ? up : down).focus();
    });
  };
  const move = (index: number, delta: number) => {
    const target = index + delta;
    if (target < 0 || target >= items.length) return;
    const next = [...items];
    [next[index], next[target]] = [next[target]!, next[index]!];
    items = next;
    touched = true;
    draw({ index: target, dir: delta < 0 ? "up" : "down" });
    live.textContent = `${plainText(items[target]!)} is now at position ${target + 1} of ${items.length}.`;
    onChange();
  };
  draw();
  return {
    body: h("div", {}, list, live),
    get: () => (touched ? [...items] : null),
    set: (v) => {
      if (Array.isArray(v) && v.length === items.length) {
        items = v.map(String);
        touched = true;
        draw();
      }
    },
    answered: () => touched,
  };
}

interface Blank {
  blank: string;
  kind: string;
  single?: boolean;
  options?: string[];
  units?: string[];
}

function cloze(q: QuestionView, stem: DocumentFragment, onChange: OnChange): Rendered {
  const blanks = (Array.isArray(q["blanks"]) ? q["blanks"] : []) as Blank[];
  const parts = new Map<string, Rendered>();
  for (const b of blanks) {
    const label = `Blank ${b.blank}`;
    let part: Rendered;
    if (b.kind === "multichoice" && b.single !== false) {
      const select = h("select", { "aria-label": label });
      select.appendChild(h("option", { value: "" }, "Choose…"));
      for (const o of b.options ?? []) select.appendChild(h("option", { value: o }, plainText(o)));
      select.addEventListener("change", onChange);
      part = {
        body: select,
        get: () => (select.value ? [select.value] : null),
        set: (v) => {
          select.value = Array.isArray(v) && v.length ? String(v[0]) : "";
        },
        answered: () => select.value !== "",
      };
    } else if (b.kind === "multichoice") {
      const group = choiceGroup(nextId("blank"), label, b.options ?? [], false, q.text_format, onChange);
      part = { body: group.el, get: () => group.get(), set: group.set, answered: () => group.get().length > 0 };
    } else {
      const input = textInput(label, onChange, { class: "blank", size: "12" });
      part = {
        body: input,
        get: () => (input.value === "" ? null : input.value),
        set: (v) => {
          input.value = typeof v === "string" ? v : "";
        },
        answered: () => input.value.trim() !== "",
      };
    }
    parts.set(b.blank, part);
    const slot = stem.querySelector(`span[data-blank="${b.blank}"]`);
    if (slot) slot.replaceWith(part.body);
    else stem.appendChild(h("span", { class: "loose-blank" }, `${label}: `, part.body));
  }
  return {
    body: h("div", {}),
    get: () => {
      const out: Record<string, unknown> = {};
      for (const [n, p] of parts) {
        const v = p.get();
        if (v !== null) out[n] = v;
      }
      return Object.keys(out).length ? out : null;
    },
    set: (v) => {
      const map = v && typeof v === "object" ? (v as Record<string, unknown>) : {};
      for (const [n, p] of parts) p.set(map[n] ?? null);
    },
    answered: () => [...parts.values()].some((p) => p.answered()),
  };
}

function essay(q: QuestionView, label: string, onChange: OnChange): Rendered {
  const area = h("textarea", { rows: 10, "aria-label": label, class: q["response_format"] === "monospaced" ? "mono" : "" });
  const count = h("p", { class: "hint", "aria-live": "off" });
  const min = q["min_words"] as number | null;
  const max = q["max_words"] as number | null;
  const words = () => (area.value.trim() ? area.value.trim().split(/\s+/).length : 0);
  const update = () => {
    count.textContent = `${words()} words${min ? `, at least ${min}` : ""}${max ? `, at most ${max}` : ""}`;
  };
  area.addEventListener("input", () => {
    update();
    onChange();
  });
  update();
  return {
    body: h("div", {}, area, count),
    get: () => (area.value === "" ? null : area.value),
    set: (v) => {
      area.value = typeof v === "string" ? v : "";
      update();
    },
    answered: () => area.value.trim() !== "",
  };
}

/** Code: a monospace editor with line numbers. Tab indents; Escape then Tab leaves the editor.
Nothing runs in the browser: the code is graded on the server's sandbox. */
function code(q: QuestionView, label: string, onChange: OnChange): Rendered {
  const hintId = nextId("code-hint");
  const area = h("textarea", {
    class: "code-input",
    rows: 14,
    spellcheck: "false",
    autocapitalize: "off",
    autocomplete: "off",
    wrap: "off",
    "aria-label": label,
    "aria-describedby": hintId,
  });
  const gutter = h("pre", { class: "gutter", "aria-hidden": "true" });
  let escaped = false;
  const lines = () => {
    const n = area.value.split("\n").length;
    gutter.textContent = Array.from({ length: n }, (_, i) => String(i + 1)).join("\n");
  };
  area.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      escaped = true;
      return;
    }
    if (event.key === "Tab" && !event.shiftKey && !escaped) {
      event.preventDefault();
      const { selectionStart: s, selectionEnd: e } = area;
      area.value = `${area.value.slice(0, s)}    ${area.value.slice(e)}`;
      area.selectionStart = area.selectionEnd = s + 4;
      lines();
      onChange();
    }
    escaped = false;
  });
  area.addEventListener("input", () => {
    lines();
    onChange();
  });
  area.addEventListener("scroll", () => {
    gutter.scrollTop = area.scrollTop;
  });
  const starter = typeof q["starter_code"] === "string" ? (q["starter_code"] as string) : "";
  area.value = starter;
  lines();
  const tests = (Array.isArray(q["visible_tests"]) ? q["visible_tests"] : []) as Record<string, unknown>[];
  const examples = tests.length
    ? h(
        "details",
        { class: "examples" },
        h("summary", {}, `Examples (${tests.length})`),
        ...tests.map((t) =>
          h(
            "div",
            { class: "example" },
            h("strong", {}, String(t["name"] ?? "")),
            t["call"] ? h("pre", {}, `${String(t["call"])} → ${JSON.stringify(t["expected_value"])}`) : null,
            t["stdin"] ? h("pre", {}, `input:\n${String(t["stdin"])}`) : null,
            t["expected_stdout"] != null ? h("pre", {}, `output:\n${String(t["expected_stdout"])}`) : null,
          ),
        ),
      )
    : null;
  return {
    body: h(
      "div",
      {},
      h("div", { class: "code-editor" }, gutter, area),
      h("p", { class: "hint", id: hintId }, `${String(q["language"] ?? "python3")}. Tab indents; press Escape, then Tab, to leave the editor. Your code runs only when it is graded.`),
      examples,
    ),
    get: () => (area.value.trim() === "" ? null : area.value),
    set: (v) => {
      if (typeof v === "string") {
        area.value = v;
        lines();
      }
    },
    answered: () => area.value.trim() !== "" && area.value !== starter,
  };
}

/** The stem and controls of `q`; `label` is the question's accessible name ("Question 3"). */
export function renderQuestion(q: QuestionView, label: string, onChange: OnChange): { stem: HTMLElement; rendered: Rendered | null } {
  const fragment = renderText(q.text, q.text_format);
  let rendered: Rendered | null;
  switch (q.type) {
    case "multichoice":
      rendered = multichoice(q, label, onChange);
      break;
    case "truefalse":
      rendered = truefalse(label, onChange);
      break;
    case "shortanswer":
      rendered = text(`${label}: answer`, onChange);
      break;
    case "numerical":
      rendered = numerical(q, `${label}: answer`, onChange);
      break;
    case "formula": {
      const vars = options(q, "variables");
      rendered = text(`${label}: expression`, onChange, `An expression${vars.length ? ` in ${vars.join(", ")}` : ""}, e.g. 2*x^2 + sin(x).`);
      break;
    }
    case "matching":
      rendered = matching(q, onChange);
      break;
    case "ordering":
      rendered = ordering(q, onChange);
      break;
    case "cloze":
      rendered = cloze(q, fragment, onChange);
      break;
    case "essay":
      rendered = essay(q, `${label}: your answer`, onChange);
      break;
    case "code":
      rendered = code(q, `${label}: code`, onChange);
      break;
    case "qti":
      rendered = qtiQuestion(q, label, fragment, onChange);
      break;
    default:
      rendered = null;
  }
  const stem = h("div", { class: "stem" });
  stem.appendChild(fragment);
  return { stem, rendered };
}
