/** QTI items on the student page: the stem's `{{interaction:ID}}` markers become labelled,
keyboard-operable controls, one per interaction the engine grades (docs/authoring.md,
"Interactions and response shapes"). The answer is an object keyed by response identifier,
each value in its interaction's shape:

choice / hottext / hotspot → identifier (one allowed) or list; inlineChoice → identifier;
textEntry / extendedText → string; order / graphicOrder → identifiers in order; match /
gapMatch / graphicGapMatch → list of [choice, target] pairs; associate / graphicAssociate →
list of pairs; selectPoint / positionObject → [x, y] points; slider → number; media → times
played; endAttempt → true. Graphic interactions are operable without a pointer: every hotspot
is also a checkbox or radio, a point has X and Y boxes (a click on the image fills them).
Upload and drawing are not offered on this page (the item says so; nothing is sent). */

import { button, h, nextId } from "../lib/dom";
import { plainText, renderText } from "../lib/rich";
import type { Rendered } from "./questions";
import type { QuestionView } from "./types";

type OnChange = () => void;

interface Choice {
  identifier: string;
  text: string;
  fixed?: boolean;
  match_max?: number | null;
  shape?: string | null;
  coords?: string | null;
  image?: string | null;
}

interface Interaction {
  kind: string;
  response_identifier: string;
  prompt: string;
  choices: Choice[];
  targets: Choice[];
  content: string;
  image: { data: string; type?: string; width?: number | null; height?: number | null } | null;
  attributes: Record<string, string | number | boolean>;
}

/** One interaction's control: its element and its value in the response shape. */
interface Part {
  body: HTMLElement;
  get(): unknown;
  set(value: unknown): void;
}

const EMPTY = (v: unknown): boolean => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);

function num(attrs: Record<string, unknown>, key: string, fallback: number): number {
  const v = Number(attrs[key]);
  return Number.isFinite(v) ? v : fallback;
}

function choiceName(c: Choice, index: number): string {
  const text = plainText(c.text).trim();
  if (text) return text;
  return c.shape ? `Area ${c.identifier}` : c.image ? `Image ${c.identifier}` : c.identifier || `Choice ${index + 1}`;
}

/** Replace `{{prefix:ID}}` markers in the text of `root` with what `make(ID)` returns. */
function fillMarkers(root: Node, prefix: string, make: (id: string) => Node | null): Set<string> {
  const pattern = new RegExp(`\\{\\{${prefix}:([^}]+)\\}\\}`, "g");
  const filled = new Set<string>();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
  for (const node of nodes) {
    const text = node.textContent ?? "";
    if (!pattern.test(text)) continue;
    pattern.lastIndex = 0;
    const out = document.createDocumentFragment();
    let last = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      out.appendChild(document.createTextNode(text.slice(last, m.index)));
      const made = make(m[1]!);
      if (made) {
        out.appendChild(made);
        filled.add(m[1]!);
      }
      last = m.index + m[0].length;
    }
    out.appendChild(document.createTextNode(text.slice(last)));
    node.replaceWith(out);
  }
  return filled;
}

function safeImage(src: string): boolean {
  return /^data:image\/[a-z0-9.+-]+[;,]/i.test(src) || /^(https?:|\/|\.\/|[^:]*$)/i.test(src.trim());
}

function picture(ix: Interaction, alt: string): HTMLImageElement | null {
  if (!ix.image || !safeImage(ix.image.data)) return null;
  const img = h("img", { src: ix.image.data, alt, class: "qti-graphic" });
  if (ix.image.width) img.width = ix.image.width;
  if (ix.image.height) img.height = ix.image.height;
  return img;
}

/** The point on the item's own coordinate system (its declared width/height) of a click. */
function pointOf(img: HTMLImageElement, event: MouseEvent): [number, number] {
  const box = img.getBoundingClientRect();
  const width = img.width || box.width;
  const height = img.height || box.height;
  const x = Math.round(((event.clientX - box.left) / box.width) * (img.naturalWidth && !img.getAttribute("width") ? img.naturalWidth : width));
  const y = Math.round(((event.clientY - box.top) / box.height) * (img.naturalHeight && !img.getAttribute("height") ? img.naturalHeight : height));
  return [x, y];
}

function inside(shape: string, coords: number[], x: number, y: number): boolean {
  if (shape === "rect" && coords.length >= 4) return x >= coords[0]! && x <= coords[2]! && y >= coords[1]! && y <= coords[3]!;
  if ((shape === "circle" || shape === "circ") && coords.length >= 3) return (x - coords[0]!) ** 2 + (y - coords[1]!) ** 2 <= coords[2]! ** 2;
  if ((shape === "poly" || shape === "polygon") && coords.length >= 6) {
    let hit = false;
    for (let i = 0, j = coords.length - 2; i < coords.length; j = i, i += 2) {
      const [xi, yi, xj, yj] = [coords[i]!, coords[i + 1]!, coords[j]!, coords[j + 1]!];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
    }
    return hit;
  }
  return false;
}

/** Radios (one allowed) or checkboxes (at most `max`, 0 = no limit) over `choices`. */
function selection(ix: Interaction, label: string, choices: Choice[], onChange: OnChange, inline = false): Part & { inputs: HTMLInputElement[] } {
  const max = num(ix.attributes, "maxChoices", 1);
  const single = max === 1;
  const name = nextId("qti");
  const inputs: HTMLInputElement[] = [];
  const group = h(inline ? "span" : "fieldset", { class: inline ? "qti-inline" : "choices", role: inline ? "group" : null });
  if (inline) group.setAttribute("aria-label", label);
  else group.appendChild(h("legend", { class: "visually-hidden" }, label));
  choices.forEach((c, i) => {
    const input = h("input", { type: single ? "radio" : "checkbox", name, value: c.identifier });
    input.addEventListener("change", () => {
      if (!single && max > 0 && inputs.filter((x) => x.checked).length > max) input.checked = false;
      onChange();
    });
    inputs.push(input);
    const content = c.text ? renderText(c.text, "html") : document.createTextNode(choiceName(c, i));
    group.appendChild(h("label", { class: inline ? "hottext" : "choice" }, input, h("span", { class: "option-text" }, content)));
  });
  const get = () => {
    const chosen = inputs.filter((x) => x.checked).map((x) => x.value);
    return single ? (chosen[0] ?? null) : chosen;
  };
  const set = (v: unknown) => {
    const chosen = new Set(Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);
    for (const x of inputs) x.checked = chosen.has(x.value);
  };
  return { body: group, get, set, inputs };
}

function select(label: string, choices: Choice[], onChange: OnChange, empty = "Choose…"): HTMLSelectElement {
  const el = h("select", { "aria-label": label });
  el.appendChild(h("option", { value: "" }, empty));
  choices.forEach((c, i) => el.appendChild(h("option", { value: c.identifier }, choiceName(c, i))));
  el.addEventListener("change", onChange);
  return el;
}

function textEntry(ix: Interaction, label: string, onChange: OnChange, multiline: boolean): Part {
  const size = String(Math.min(40, Math.max(6, num(ix.attributes, "expectedLength", 12))));
  const el = multiline ? h("textarea", { rows: 8, "aria-label": label }) : h("input", { type: "text", "aria-label": label, size, autocomplete: "off", spellcheck: "false", class: "blank" });
  el.addEventListener("input", onChange);
  return {
    body: el,
    get: () => (el.value === "" ? null : el.value),
    set: (v) => {
      el.value = typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
    },
  };
}

/** Order without dragging: Move up / Move down per choice (as the ordering question). */
function order(ix: Interaction, label: string, onChange: OnChange): Part {
  const byId = new Map(ix.choices.map((c, i) => [c.identifier, choiceName(c, i)]));
  let items = ix.choices.map((c) => c.identifier);
  let touched = false;
  const list = h("ol", { class: "ordering", "aria-label": label });
  const live = h("p", { class: "visually-hidden", "aria-live": "polite" });
  const draw = (focus?: number, up?: boolean) => {
    list.replaceChildren();
    items.forEach((id, index) => {
      const name = byId.get(id) ?? id;
      const upBtn = button("Move up", () => move(index, -1), { "aria-label": `Move up: ${name}`, class: "small" });
      const downBtn = button("Move down", () => move(index, 1), { "aria-label": `Move down: ${name}`, class: "small" });
      upBtn.disabled = index === 0;
      downBtn.disabled = index === items.length - 1;
      list.appendChild(h("li", { class: "order-item", "data-identifier": id }, h("span", { class: "option-text" }, name), upBtn, downBtn));
      if (focus === index) (up && !upBtn.disabled ? upBtn : downBtn.disabled ? upBtn : downBtn).focus();
    });
  };
  const move = (index: number, delta: number) => {
    const target = index + delta;
    if (target < 0 || target >= items.length) return;
    const next = [...items];
    [next[index], next[target]] = [next[target]!, next[index]!];
    items = next;
    touched = true;
    draw(target, delta < 0);
    live.textContent = `${byId.get(items[target]!) ?? ""} is now at position ${target + 1} of ${items.length}.`;
    onChange();
  };
  draw();
  const img = picture(ix, label);
  return {
    body: h("div", {}, ...(img ? [img] : []), list, live),
    get: () => (touched ? [...items] : null),
    set: (v) => {
      if (Array.isArray(v) && v.length && v.every((x) => byId.has(String(x)))) {
        items = [...v.map(String), ...items.filter((x) => !v.includes(x))];
        touched = true;
        draw();
      }
    },
  };
}

/** Pairs [choice, target]: one select of choices per target (gap, hotspot) or, for a match,
one select of targets per source. */
function pairs(ix: Interaction, label: string, onChange: OnChange): Part {
  const sourceFirst = ix.kind === "match";
  const rows = sourceFirst ? ix.choices : ix.targets;
  const options = sourceFirst ? ix.targets : ix.choices;
  const selects = new Map<string, HTMLSelectElement>();
  const body = h("div", { class: "matching" });
  const content = ix.kind === "gapMatch" && ix.content ? renderText(ix.content, "html") : null;
  rows.forEach((row, i) => {
    const name = ix.kind === "gapMatch" ? `Gap ${i + 1}` : choiceName(row, i);
    const el = select(`${label}: ${ix.kind === "match" ? "match for" : "choice for"} ${name}`, options, onChange);
    el.dataset["row"] = row.identifier;
    selects.set(row.identifier, el);
    if (!content) body.appendChild(h("div", { class: "match-row" }, h("span", { class: "stem", "aria-hidden": "true" }, name), el));
  });
  if (content) {
    const filled = fillMarkers(content, "gap", (id) => selects.get(id) ?? null);
    for (const [id, el] of selects) if (!filled.has(id)) body.appendChild(el);
    body.prepend(h("div", { class: "qti-content" }, content));
  }
  const img = picture(ix, label);
  if (img) body.prepend(img);
  return {
    body,
    get: () => {
      const out: [string, string][] = [];
      for (const [row, el] of selects) if (el.value) out.push(sourceFirst ? [row, el.value] : [el.value, row]);
      return out;
    },
    set: (v) => {
      for (const el of selects.values()) el.value = "";
      if (!Array.isArray(v)) return;
      for (const pair of v) {
        if (!Array.isArray(pair) || pair.length !== 2) continue;
        const [a, b] = pair.map(String) as [string, string];
        const el = selects.get(sourceFirst ? a : b);
        if (el) el.value = sourceFirst ? b : a;
      }
    },
  };
}

/** Associate: rows of two selects over the same set (as many rows as maxAssociations). */
function associate(ix: Interaction, label: string, onChange: OnChange): Part {
  const count = Math.max(1, Math.min(12, num(ix.attributes, "maxAssociations", 0) || Math.ceil(ix.choices.length / 2)));
  const rows: [HTMLSelectElement, HTMLSelectElement][] = [];
  const body = h("div", { class: "matching" });
  const img = picture(ix, label);
  if (img) body.appendChild(img);
  for (let i = 0; i < count; i++) {
    const a = select(`${label}: pair ${i + 1}, first`, ix.choices, onChange);
    const b = select(`${label}: pair ${i + 1}, second`, ix.choices, onChange);
    rows.push([a, b]);
    body.appendChild(h("div", { class: "match-row" }, h("span", { class: "stem", "aria-hidden": "true" }, `Pair ${i + 1}`), a, b));
  }
  return {
    body,
    get: () => rows.filter(([a, b]) => a.value && b.value).map(([a, b]) => [a.value, b.value]),
    set: (v) => {
      const list = Array.isArray(v) ? v : [];
      rows.forEach(([a, b], i) => {
        const pair = Array.isArray(list[i]) ? (list[i] as unknown[]).map(String) : ["", ""];
        a.value = pair[0] ?? "";
        b.value = pair[1] ?? "";
      });
    },
  };
}

/** Hot text: the content with each `{{hottext:ID}}` a checkbox (or radio) labelled by its text. */
function hottext(ix: Interaction, label: string, onChange: OnChange): Part {
  const group = selection(ix, label, ix.choices, onChange, true);
  const content = renderText(ix.content, "html");
  const labels = new Map(Array.from(group.body.querySelectorAll("label")).map((l) => [(l.querySelector("input") as HTMLInputElement).value, l]));
  const filled = fillMarkers(content, "hottext", (id) => labels.get(id) ?? null);
  const wrap = h("div", { class: "qti-content", role: "group", "aria-label": label });
  wrap.appendChild(content);
  for (const [id, el] of labels) if (!filled.has(id)) wrap.appendChild(el);
  return { body: wrap, get: group.get, set: group.set };
}

/** Hotspots: the image (a click picks the area under it) and one checkbox/radio per area. */
function hotspot(ix: Interaction, label: string, onChange: OnChange): Part {
  const group = selection(ix, label, ix.choices, onChange);
  const img = picture(ix, label);
  if (img) {
    img.addEventListener("click", (event) => {
      const [x, y] = pointOf(img, event);
      const hit = ix.choices.findIndex((c) => inside(String(c.shape ?? ""), String(c.coords ?? "").split(",").map(Number), x, y));
      const input = group.inputs[hit];
      if (!input) return;
      input.checked = input.type === "radio" ? true : !input.checked;
      input.dispatchEvent(new Event("change"));
    });
  }
  return { body: h("div", {}, ...(img ? [img] : []), group.body), get: group.get, set: group.set };
}

/** Points: X and Y boxes per point (a click on the image fills the next empty one). */
function points(ix: Interaction, label: string, onChange: OnChange, single: boolean): Part {
  const count = single ? 1 : Math.max(1, Math.min(10, num(ix.attributes, "maxChoices", 1) || 1));
  const rows: [HTMLInputElement, HTMLInputElement][] = [];
  const body = h("div", { class: "qti-points" });
  const stage = ix.kind === "positionObject" && typeof ix.attributes["stageImage"] === "string" ? String(ix.attributes["stageImage"]) : null;
  const shown: Interaction = stage ? { ...ix, image: { data: stage, width: num(ix.attributes, "stageWidth", 0) || null, height: num(ix.attributes, "stageHeight", 0) || null } } : ix;
  const img = picture(shown, `${label} (click to place a point)`);
  if (img) body.appendChild(img);
  for (let i = 0; i < count; i++) {
    const suffix = count > 1 ? ` ${i + 1}` : "";
    const x = h("input", { type: "number", step: "1", "aria-label": `${label}: point${suffix} X`, class: "blank", size: "5" });
    const y = h("input", { type: "number", step: "1", "aria-label": `${label}: point${suffix} Y`, class: "blank", size: "5" });
    x.addEventListener("input", onChange);
    y.addEventListener("input", onChange);
    rows.push([x, y]);
    body.appendChild(h("div", { class: "answer-line" }, `Point${suffix}: X `, x, " Y ", y));
  }
  if (img) {
    img.addEventListener("click", (event) => {
      const [px, py] = pointOf(img, event);
      const row = rows.find(([x, y]) => x.value === "" || y.value === "") ?? rows[rows.length - 1]!;
      row[0].value = String(px);
      row[1].value = String(py);
      onChange();
    });
  }
  const filled = () => rows.filter(([x, y]) => x.value !== "" && y.value !== "").map(([x, y]) => [Math.round(Number(x.value)), Math.round(Number(y.value))]);
  return {
    body,
    get: () => {
      const list = filled();
      if (list.length === 0) return null;
      return ix.kind === "selectPoint" && count === 1 ? list[0] : list;
    },
    set: (v) => {
      const list = Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === "number") ? [v] : Array.isArray(v) ? v : [];
      rows.forEach(([x, y], i) => {
        const p = Array.isArray(list[i]) ? (list[i] as unknown[]) : [];
        x.value = p.length === 2 ? String(p[0]) : "";
        y.value = p.length === 2 ? String(p[1]) : "";
      });
    },
  };
}

function slider(ix: Interaction, label: string, onChange: OnChange): Part {
  const lower = num(ix.attributes, "lowerBound", 0);
  const upper = num(ix.attributes, "upperBound", 100);
  const step = num(ix.attributes, "step", 1);
  const input = h("input", { type: "range", min: String(lower), max: String(upper), step: String(step), "aria-label": label });
  const out = h("output", { "aria-hidden": "true" }, "not set");
  let touched = false;
  input.addEventListener("input", () => {
    touched = true;
    out.textContent = input.value;
    onChange();
  });
  return {
    body: h("div", { class: "answer-line" }, String(lower), input, String(upper), " ", out),
    get: () => (touched ? Number(input.value) : null),
    set: (v) => {
      if (typeof v === "number") {
        input.value = String(v);
        out.textContent = input.value;
        touched = true;
      }
    },
  };
}

function endAttempt(ix: Interaction, label: string, onChange: OnChange): Part {
  const title = String(ix.attributes["title"] ?? "End attempt");
  let pressed = false;
  const el = button(title, () => {
    pressed = !pressed;
    el.setAttribute("aria-pressed", String(pressed));
    onChange();
  }, { "aria-pressed": "false", "aria-label": `${label}: ${title}` });
  return {
    body: el,
    get: () => (pressed ? true : null),
    set: (v) => {
      pressed = v === true;
      el.setAttribute("aria-pressed", String(pressed));
    },
  };
}

function notOffered(what: string): Part {
  return { body: h("p", { class: "hint" }, `${what} is not offered on this page; your proctor grades this part.`), get: () => null, set: () => undefined };
}

function part(ix: Interaction, label: string, onChange: OnChange): Part {
  switch (ix.kind) {
    case "choice":
      return selection(ix, label, ix.choices, onChange);
    case "inlineChoice": {
      const el = select(label, ix.choices, onChange);
      return {
        body: el,
        get: () => el.value || null,
        set: (v) => {
          el.value = typeof v === "string" ? v : "";
        },
      };
    }
    case "textEntry":
      return textEntry(ix, label, onChange, false);
    case "extendedText":
      return textEntry(ix, label, onChange, true);
    case "order":
    case "graphicOrder":
      return order(ix, label, onChange);
    case "match":
    case "gapMatch":
    case "graphicGapMatch":
      return pairs(ix, label, onChange);
    case "associate":
    case "graphicAssociate":
      return associate(ix, label, onChange);
    case "hottext":
      return hottext(ix, label, onChange);
    case "hotspot":
      return hotspot(ix, label, onChange);
    case "selectPoint":
      return points(ix, label, onChange, num(ix.attributes, "maxChoices", 1) === 1);
    case "positionObject":
      return points(ix, label, onChange, false);
    case "slider":
      return slider(ix, label, onChange);
    case "endAttempt":
      return endAttempt(ix, label, onChange);
    case "upload":
      return notOffered("A file upload");
    case "drawing":
      return notOffered("A drawing");
    default:
      return notOffered(`This part (${ix.kind})`);
  }
}

/** A QTI item: controls at the stem's markers (or after the stem when a marker is missing). */
export function qtiQuestion(q: QuestionView, label: string, stem: DocumentFragment, onChange: OnChange): Rendered {
  const interactions = (Array.isArray(q["interactions"]) ? q["interactions"] : []) as Interaction[];
  const parts = new Map<string, Part>();
  const many = interactions.length > 1;
  interactions.forEach((ix, i) => {
    const prompt = plainText(ix.prompt ?? "").trim();
    const name = `${label}${many ? `, part ${i + 1}` : ""}${prompt ? `: ${prompt}` : ""}`;
    const p = part(ix, name, onChange);
    if (ix.prompt) p.body.prepend(h("div", { class: "qti-prompt", "aria-hidden": "true" }, renderText(ix.prompt, "html")));
    parts.set(ix.response_identifier, p);
  });
  const filled = fillMarkers(stem, "interaction", (id) => parts.get(id)?.body ?? null);
  const body = h("div", { class: "qti" });
  for (const [id, p] of parts) if (!filled.has(id)) body.appendChild(p.body);
  return {
    body,
    get: () => {
      const out: Record<string, unknown> = {};
      for (const [id, p] of parts) {
        const v = p.get();
        if (!EMPTY(v)) out[id] = v;
      }
      return Object.keys(out).length ? out : null;
    },
    set: (v) => {
      const map = v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
      for (const [id, p] of parts) p.set(map[id] ?? null);
    },
    answered: () => [...parts.values()].some((p) => !EMPTY(p.get())),
  };
}
