/** Signing in through identity: login, one-time-password change, refresh before expiry.

Tokens live in sessionStorage (per tab, gone when the tab closes); access tokens are short-lived
(identity's `access_ttl_seconds`) and refreshed a little before they expire or on a 401
`expired_token`. `call()` is the authorised JSON call every page uses. */

import { ApiError, json, send, type RequestOptions } from "./http";

export interface Me {
  user_id: string;
  username: string;
  display_name: string;
  role: "student" | "proctor" | "admin" | "service";
  org: string;
  must_change_password: boolean;
}

interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_at: number;
}

interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export class Session {
  private tokens: Tokens | null;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly identityUrl: string,
    private readonly storageKey: string,
  ) {
    const raw = sessionStorage.getItem(storageKey);
    this.tokens = raw ? (JSON.parse(raw) as Tokens) : null;
  }

  get signedIn(): boolean {
    return this.tokens !== null;
  }

  private store(pair: TokenPair): void {
    this.tokens = {
      access_token: pair.access_token,
      refresh_token: pair.refresh_token,
      expires_at: Date.now() + pair.expires_in * 1000,
    };
    sessionStorage.setItem(this.storageKey, JSON.stringify(this.tokens));
  }

  async login(username: string, password: string): Promise<Me> {
    const pair = await json<TokenPair>(`${this.identityUrl}/v1/login`, {
      method: "POST",
      body: { username, password },
    });
    this.store(pair);
    return this.me();
  }

  async me(): Promise<Me> {
    return this.call<Me>(this.identityUrl, "/v1/me");
  }

  async changePassword(current: string, next: string): Promise<void> {
    await this.call(this.identityUrl, "/v1/me/password", {
      method: "POST",
      body: { current_password: current, new_password: next },
    });
  }

  async logout(): Promise<void> {
    const tokens = this.tokens;
    this.tokens = null;
    sessionStorage.removeItem(this.storageKey);
    if (tokens) {
      await send(`${this.identityUrl}/v1/logout`, {
        method: "POST",
        body: { refresh_token: tokens.refresh_token },
      }).catch(() => undefined);
    }
  }

  /** A valid access token, refreshed when it expires within 30 s. */
  async token(): Promise<string> {
    if (!this.tokens) throw new ApiError(401, "missing_token", "please sign in");
    if (this.tokens.expires_at - Date.now() < 30_000) await this.refresh();
    return this.tokens.access_token;
  }

  async refresh(): Promise<void> {
    if (!this.refreshing) {
      const refreshToken = this.tokens?.refresh_token;
      this.refreshing = (async () => {
        try {
          if (!refreshToken) throw new ApiError(401, "missing_token", "please sign in");
          const pair = await json<TokenPair>(`${this.identityUrl}/v1/refresh`, {
            method: "POST",
            body: { refresh_token: refreshToken },
          });
          this.store(pair);
        } catch (error) {
          if (error instanceof ApiError) {
            this.tokens = null;
            sessionStorage.removeItem(this.storageKey);
          }
          throw error;
        } finally {
          this.refreshing = null;
        }
      })();
    }
    return this.refreshing;
  }

  async fetch(base: string, path: string, options: RequestOptions = {}): Promise<Response> {
    try {
      return await send(base + path, { ...options, token: await this.token() });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401 && error.code === "expired_token") {
        await this.refresh();
        return send(base + path, { ...options, token: await this.token() });
      }
      throw error;
    }
  }

  async call<T>(base: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.fetch(base, path, options);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
}
