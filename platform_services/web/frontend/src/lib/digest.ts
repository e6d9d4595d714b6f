/** The receipt digest, computed in the browser exactly as the API does (docs/api.md, Receipts):
`sha256:` + hex SHA-256 of the canonical JSON (keys sorted, no whitespace, UTF-8). */

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(",")}}`;
}

export async function answersDigest(answers: Record<string, unknown>): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson(answers));
  const hash = await crypto.subtle.digest("SHA-256", bytes);
  return `sha256:${Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
