/** What every console view needs: configuration, the proctor's session, an API call helper. */

import type { PageConfig } from "../lib/config";
import type { RequestOptions } from "../lib/http";
import type { Me, Session } from "../lib/session";

export interface Ctx {
  config: PageConfig;
  session: Session;
  me: Me;
  api<T>(path: string, options?: RequestOptions): Promise<T>;
}
