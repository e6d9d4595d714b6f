/** The sign-in form shared by both pages, with the one-time-password change identity demands
(`must_change_password`) before anything else. Resolves with the signed-in user. */

import { button, field, h, replace } from "./dom";
import { ApiError } from "./http";
import type { Me, Session } from "./session";

function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === "rate_limited" && error.retryAfter) {
      return `Too many attempts. Try again in ${error.retryAfter} seconds.`;
    }
    if (error.code === "invalid_credentials") return "The username or password is wrong.";
    return error.message;
  }
  return "The sign-in service cannot be reached. Check your connection and try again.";
}

export function signIn(root: HTMLElement, session: Session, title: string): Promise<Me> {
  return new Promise((resolve) => {
    const username = h("input", { type: "text", name: "username", autocomplete: "username", required: true });
    const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
    const error = h("p", { class: "error", role: "alert" });
    const form = h(
      "form",
      { class: "card narrow", "aria-labelledby": "signin-title" },
      h("h1", { id: "signin-title" }, title),
      field("Username", username),
      field("Password", password),
      error,
      h("button", { type: "submit", class: "primary" }, "Sign in"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      error.textContent = "";
      session
        .login(username.value.trim(), password.value)
        .then((me) => (me.must_change_password ? changePassword(root, session, me, password.value) : me))
        .then(resolve)
        .catch((e: unknown) => {
          error.textContent = errorText(e);
        });
    });
    replace(root, form);
    username.focus();
  });
}

function changePassword(root: HTMLElement, session: Session, me: Me, current: string): Promise<Me> {
  return new Promise((resolve) => {
    const next = h("input", { type: "password", autocomplete: "new-password", required: true, minlength: 8 });
    const again = h("input", { type: "password", autocomplete: "new-password", required: true, minlength: 8 });
    const error = h("p", { class: "error", role: "alert" });
    const form = h(
      "form",
      { class: "card narrow", "aria-labelledby": "pw-title" },
      h("h1", { id: "pw-title" }, "Choose your own password"),
      h("p", {}, `Welcome, ${me.display_name || me.username}. Your password was a one-time password; choose a new one of at least 8 characters.`),
      field("New password", next),
      field("Repeat the new password", again),
      error,
      h("button", { type: "submit", class: "primary" }, "Save password"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (next.value !== again.value) {
        error.textContent = "The two passwords differ.";
        return;
      }
      session
        .changePassword(current, next.value)
        .then(() => session.login(me.username, next.value))
        .then(resolve)
        .catch((e: unknown) => {
          error.textContent = errorText(e);
        });
    });
    replace(root, form);
    next.focus();
  });
}

export function signOutButton(session: Session): HTMLButtonElement {
  return button("Sign out", () => {
    void session.logout().then(() => window.location.reload());
  });
}
