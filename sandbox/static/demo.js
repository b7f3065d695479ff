// The lesson's client flow, working. No framework, nothing from another host.
"use strict";

// Marks our requests as a script's: the server then names its challenge scheme "xBasic"
// / "xBearer", so that a 401 never opens the browser's own login dialog. Every other
// client still gets the standard challenge.
const SCRIPT_REQUEST = { "X-Requested-With": "XMLHttpRequest" };

class AuthError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// The lesson's login, fixed: it sent no method and no body, and did not return the JSON.
async function login(username, password) {
  const response = await fetch("/token", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...SCRIPT_REQUEST },
    body: JSON.stringify({ username, password }),
  });
  const body = await response.json();
  if (!response.ok) throw new AuthError(response.status, body.msg);
  return body; // { token, token_type, user_id, expires_in, strategy }
}

// The lesson's call to a private endpoint, fixed: the scheme comes from `token_type`, and a
// refused token is a 401 (the lesson waited for a 403, which the server never sends).
async function fetchPrivate(path, session, method = "GET") {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `${session.token_type} ${session.token}`, ...SCRIPT_REQUEST },
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (response.status === 401) throw new AuthError(401, body.msg);
  return { status: response.status, body };
}

// Renewing the pair: the refresh token goes in the body (never in an Authorization header,
// which every endpoint reads), and the server spends the one it receives. Keep the new pair
// it answers with: sending a spent refresh token again is what a thief holding a copy would
// do, and the server answers that by revoking the whole login.
async function refresh(refreshToken) {
  const response = await fetch("/token/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...SCRIPT_REQUEST },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
  const body = await response.json();
  if (!response.ok) throw new AuthError(response.status, body.msg);
  return body; // POST /token's body: { token, token_type, ..., refresh_token, refresh_expires_in }
}

// ---- reading a token without the key -------------------------------------------------

function base64UrlBytes(part) {
  const padded = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function base64UrlDecode(part) {
  return new TextDecoder("utf-8", { fatal: true }).decode(base64UrlBytes(part));
}

// JSON at the start of a part, followed by anything (a PASETO v4.public part is the JSON
// claims, then their signature): readable by anyone who holds the token.
function leadingJson(part) {
  let text;
  try {
    text = new TextDecoder("utf-8").decode(base64UrlBytes(part));
  } catch (_) {
    return null;
  }
  if (!text.startsWith("{")) return null;
  for (let end = text.indexOf("}"); end !== -1; end = text.indexOf("}", end + 1)) {
    try {
      return JSON.parse(text.slice(0, end + 1));
    } catch (_) { /* a brace inside the JSON: read on */ }
  }
  return null;
}

function anatomy(token) {
  const parts = token.split(".");
  if (parts.length === 3) {
    try {
      return [
        { kind: "header", title: "Header (base64url JSON)", text: pretty(base64UrlDecode(parts[0])) },
        { kind: "payload", title: "Payload (base64url JSON: readable by anyone, signed not encrypted)",
          text: pretty(base64UrlDecode(parts[1])) },
        { kind: "signature", title: "Signature (HMAC of header and payload: only the key makes it)",
          text: parts[2] },
      ];
    } catch (_) { /* not a JWT after all */ }
  }
  const claims = parts.map(leadingJson).find((found) => found !== null);
  if (claims) {
    return [
      { kind: "payload", title: "Claims (JSON readable by anyone: signed, not encrypted)",
        text: JSON.stringify(claims, null, 2) },
      { kind: "signature", title: "Signature (after the claims: only the key makes it)",
        text: "the bytes that follow the JSON" },
    ];
  }
  try {
    const decoded = base64UrlDecode(token);
    if (decoded.includes(":")) {
      return [{ kind: "password", title: "base64 of username:password — the token is the password",
                text: decoded }];
    }
  } catch (_) { /* not base64 text */ }
  return [{ kind: "opaque", title: "Opaque: random bytes, nothing to read",
            text: "Only the server's store knows whose token this is." }];
}

function pretty(json) {
  return JSON.stringify(JSON.parse(json), null, 2);
}

// A one-character change in the part that carries meaning (a JWT's payload, else the middle):
// the token now decodes to something else, or names nothing.
function tamper(token) {
  const parts = token.split(".");
  const target = parts.length === 3 ? 1 : 0;
  const part = parts[target];
  const at = Math.floor(part.length / 2);
  parts[target] = part.slice(0, at) + (part[at] === "A" ? "B" : "A") + part.slice(at + 1);
  return parts.join(".");
}

// ---- the page ------------------------------------------------------------------------

// In memory only, never in localStorage: the pair the last login or refresh answered with
// (`session.token`, and `session.refresh_token` where the configuration issues one), and the
// refresh token the last refresh spent, which the replay button sends again.
let session = null;
let spentRefreshToken = null;

const $ = (id) => document.getElementById(id);

// Where an answer shows: the calls made with the access token, and the refresh exchanges.
const CALLS = { sent: "sent-header", status: "result-status", body: "result-body" };
const REFRESHES = { sent: "refresh-sent", status: "refresh-status", body: "refresh-body" };

function clearResult(where, sent = "") {
  $(where.sent).textContent = sent;
  $(where.status).textContent = sent ? "…" : "–";
  $(where.status).className = "";
  $(where.body).textContent = "";
}

function showResult(where, status, body) {
  $(where.status).textContent = status;
  $(where.status).className = status >= 200 && status < 300 ? "ok" : "refused";
  $(where.body).textContent = body === null ? "(no body)" : JSON.stringify(body, null, 2);
}

async function call(path, token, method = "GET") {
  clearResult(CALLS, `${session.token_type} ${token}`);
  let answer;
  try {
    answer = await fetchPrivate(path, { ...session, token }, method);
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    answer = { status: error.status, body: { msg: error.message } };
  }
  showResult(CALLS, answer.status, answer.body);
  return answer;
}

// One POST /token/refresh. A new pair replaces the one the page keeps: the refresh token
// sent is spent from now on.
async function exchange(refreshToken) {
  clearResult(REFRESHES, `POST /token/refresh ${JSON.stringify({ refresh_token: refreshToken })}`);
  let answer;
  try {
    const pair = await refresh(refreshToken);
    session = pair;
    spentRefreshToken = refreshToken;
    showSession();
    $("replay").disabled = false;
    answer = { status: 200, body: pair };
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    answer = { status: error.status, body: { msg: error.message } };
  }
  showResult(REFRESHES, answer.status, answer.body);
  return answer;
}

// What a thief holding a copy would do: send the refresh token the page already spent. The
// server cannot tell which holder is the thief, so it revokes the login; a call with the
// current access token then shows what that revocation reaches.
async function replay() {
  $("replay-verdict").textContent = "";
  const replayed = await exchange(spentRefreshToken);
  if (replayed.status === 200) {
    $("replay-verdict").textContent = "The spent refresh token was accepted: no reuse detected.";
    return;
  }
  const { status } = await call("/protected", session.token);
  $("replay-verdict").textContent =
    status === 200
      ? "Then GET /protected with the current access token: 200. It still works until it " +
        "expires: nothing refuses it before then. The login's refresh tokens are revoked, " +
        "the newest one too (try “Refresh the pair”)."
      : `Then GET /protected with the current access token: ${status}. It is refused too: ` +
        "the whole login is revoked, its newest refresh token as well (try “Refresh the pair”).";
}

function logoutOutcome(status, body) {
  if (status === 204) return "Logged out: the whole login is revoked, every token it was given.";
  if (status === 200) {
    const revoked = body.revoked.map((kind) => kind.replace(/_/g, " ")).join(", ");
    return `Revoked: ${revoked}; access token still valid for ${body.access_token_valid_for} s ` +
      "(nothing refuses it before it expires).";
  }
  return `Nothing revoked (${status}): ${body?.msg ?? "no message"}`;
}

async function logOut() {
  $("logout-outcome").textContent = "";
  const { status, body } = await call("/logout", session.token, "POST");
  $("logout-outcome").textContent = logoutOutcome(status, body);
}

function showSession() {
  $("session").hidden = false;
  $("token").textContent = `${session.token_type} ${session.token}`;
  $("refresh-held").hidden = !session.refresh_token;
  $("refresh-token").textContent = session.refresh_token ?? "";
  $("anatomy").replaceChildren(...anatomy(session.token).map(({ kind, title, text }) => {
    const block = document.createElement("div");
    block.className = `part ${kind}`;
    const heading = document.createElement("h4");
    heading.textContent = title;
    const content = document.createElement("pre");
    content.textContent = text;
    block.append(heading, content);
    return block;
  }));
}

// A new login starts over: nothing spent yet, nothing shown from the previous one.
function startSession(pair) {
  session = pair;
  spentRefreshToken = null;
  $("replay").disabled = true;
  clearResult(CALLS);
  clearResult(REFRESHES);
  $("logout-outcome").textContent = "";
  $("replay-verdict").textContent = "";
  showSession();
}

async function start() {
  const strategy = await (await fetch("/strategy")).json();
  $("strategy-name").textContent = strategy.name;
  $("strategy-description").textContent = strategy.description;
  $("strategy-scheme").textContent = strategy.scheme;
  $("strategy-stateful").textContent = strategy.stateful ? "keeps a store per token" : "keeps no state";
  $("strategy-revocable").textContent = strategy.revocable
    ? "logout revokes"
    : strategy.refresh_tokens
      ? "logout revokes the refresh tokens, not the access token"
      : "logout cannot revoke";
  $("strategy-refresh").textContent = strategy.refresh_tokens
    ? "rotating refresh tokens" : "no refresh tokens";
  // The facts decide, not the strategy's name: jwt issues refresh tokens only when configured to.
  $("renew").hidden = !strategy.refresh_tokens;
  $("refresh").disabled = !strategy.refresh_tokens;

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    try {
      startSession(await login($("username").value, $("password").value));
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      $("login-error").textContent = `${error.status}: ${error.message}`;
    }
  });
  $("call").addEventListener("click", () => call("/protected", session.token));
  $("tamper").addEventListener("click", () => call("/protected", tamper(session.token)));
  $("logout").addEventListener("click", logOut);
  $("refresh").addEventListener("click", () => exchange(session.refresh_token));
  $("replay").addEventListener("click", replay);
  document.body.dataset.ready = "true";
}

start();
