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

let session = null; // in memory only

const $ = (id) => document.getElementById(id);

function showResult(status, body, header) {
  $("sent-header").textContent = header;
  $("result-status").textContent = status;
  $("result-status").className = status >= 200 && status < 300 ? "ok" : "refused";
  $("result-body").textContent = body === null ? "(no body)" : JSON.stringify(body, null, 2);
}

async function call(path, token, method = "GET") {
  const header = `${session.token_type} ${token}`;
  try {
    const { status, body } = await fetchPrivate(path, { ...session, token }, method);
    showResult(status, body, header);
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    showResult(error.status, { msg: error.message }, header);
  }
}

function showSession() {
  $("session").hidden = false;
  $("token").textContent = `${session.token_type} ${session.token}`;
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

async function start() {
  const strategy = await (await fetch("/strategy")).json();
  $("strategy-name").textContent = strategy.name;
  $("strategy-description").textContent = strategy.description;
  $("strategy-scheme").textContent = strategy.scheme;
  $("strategy-stateful").textContent = strategy.stateful ? "keeps a store per token" : "keeps no state";
  $("strategy-revocable").textContent = strategy.revocable ? "logout revokes" : "logout cannot revoke";

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    try {
      session = await login($("username").value, $("password").value);
      showSession();
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      $("login-error").textContent = `${error.status}: ${error.message}`;
    }
  });
  $("call").addEventListener("click", () => call("/protected", session.token));
  $("tamper").addEventListener("click", () => call("/protected", tamper(session.token)));
  $("logout").addEventListener("click", () => call("/logout", session.token, "POST"));
  document.body.dataset.ready = "true";
}

start();
