/** The pages' configuration: base URLs of the services, from the web service's /config.json. */

export interface PageConfig {
  api_url: string;
  identity_url: string;
  notifications_url: string;
  analytics_url: string;
  grading_queue: string;
}

export async function loadConfig(): Promise<PageConfig> {
  const response = await fetch(new URL("/config.json", window.location.href), { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return (await response.json()) as PageConfig;
}
