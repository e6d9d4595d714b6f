/** Question text to DOM: HTML through an allow-list sanitiser, plain text as text.

Authoring keeps stems as HTML (QTI, GIFT `[html]`) or Moodle/markdown/plain text. Nothing
executable survives: only listed tags and attributes are copied, URLs must be http(s) or
relative, and every other node becomes its text. Cloze placeholders `{#n}` become
`<span data-blank="n">` slots that the question renderer fills with controls. */

const TAGS = new Set([
  "p", "br", "b", "strong", "i", "em", "u", "sub", "sup", "code", "pre", "ul", "ol", "li",
  "table", "thead", "tbody", "tr", "th", "td", "span", "div", "img", "a", "blockquote", "hr",
  "h3", "h4", "h5", "h6", "small", "math", "mi", "mn", "mo", "msup", "msub", "mfrac", "mrow",
]);
const ATTRS: Record<string, string[]> = {
  a: ["href", "title"],
  img: ["src", "alt", "width", "height"],
  td: ["colspan", "rowspan"],
  th: ["colspan", "rowspan", "scope"],
  span: ["data-blank"],
};

function safeUrl(value: string): boolean {
  return /^(https?:|\/|\.\/|[^:]*$)/i.test(value.trim());
}

function copy(node: Node, into: Node): void {
  for (const child of Array.from(node.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) {
      into.appendChild(document.createTextNode(child.textContent ?? ""));
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const el = child as Element;
      const tag = el.tagName.toLowerCase();
      if (tag === "script" || tag === "style") continue;
      if (!TAGS.has(tag)) {
        copy(el, into);
        continue;
      }
      const clean = document.createElement(tag);
      for (const name of ATTRS[tag] ?? []) {
        const value = el.getAttribute(name);
        if (value === null) continue;
        if ((name === "href" || name === "src") && !safeUrl(value)) continue;
        clean.setAttribute(name, value);
      }
      if (tag === "a") clean.setAttribute("rel", "noopener noreferrer");
      if (tag === "img" && !clean.hasAttribute("alt")) clean.setAttribute("alt", "");
      copy(el, clean);
      into.appendChild(clean);
    }
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const BLANK = /\{#(\d+)\}/g;

/** A fragment for `text` in `format`; `{#n}` become blank slots. */
export function renderText(text: string, format: string): DocumentFragment {
  let html: string;
  if (format === "html" || format === "moodle") {
    html = format === "moodle" && !/<[a-z][\s\S]*>/i.test(text) ? escapeHtml(text).replace(/\n/g, "<br>") : text;
  } else if (format === "markdown") {
    html = escapeHtml(text)
      .split(/\n{2,}/)
      .map((para) => `<p>${para.replace(/\n/g, "<br>")}</p>`)
      .join("");
  } else {
    html = escapeHtml(text).replace(/\n/g, "<br>");
  }
  html = html.replace(BLANK, (_, n: string) => `<span data-blank="${n}"></span>`);
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  const fragment = document.createDocumentFragment();
  copy(parsed.body, fragment);
  return fragment;
}

/** Plain text of a (possibly HTML) option label, for accessible names and answers. */
export function plainText(text: string): string {
  const parsed = new DOMParser().parseFromString(`<body>${text}</body>`, "text/html");
  return (parsed.body.textContent ?? "").trim();
}
