// The lesson's client flow, working. No framework, nothing from another host.
// A module: what it declares is its own, out of reach of any other script of the page (a
// classic script's top-level variables are shared with every script, an injected one too).

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

// Where the token travels with TOKEN_LOCATION=cookie: in cookies the browser attaches
// itself; the JSON body says so with this `token_type`, and carries no token.
const COOKIE = "cookie";
const CSRF_COOKIE = "csrf_token";

// The CSRF token of the login, read where the server keeps it for the page's scripts (a
// cookie that is not HttpOnly): a page of another origin cannot read it, so cannot send it.
function csrfToken() {
  const found = document.cookie.split("; ").find((pair) => pair.startsWith(`${CSRF_COOKIE}=`));
  return found ? decodeURIComponent(found.slice(CSRF_COOKIE.length + 1)) : "";
}

// What proves the login: the token in the Authorization header, or, with the token in a
// cookie, nothing the script adds except the CSRF token on a request that changes state.
function credentialHeaders(session, method) {
  if (!session) return {};
  if (session.token_type === COOKIE) return method === "GET" ? {} : { "X-CSRF-Token": csrfToken() };
  return { Authorization: `${session.token_type} ${session.token}` };
}

// The lesson's call to a private endpoint, fixed: the scheme comes from `token_type`, and a
// refused token is a 401 (the lesson waited for a 403, which the server never sends).
async function fetchPrivate(path, session, method = "GET") {
  const response = await fetch(path, {
    method,
    credentials: "same-origin", // the cookies, where the token is one; never another site's
    headers: { ...credentialHeaders(session, method), ...SCRIPT_REQUEST },
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (response.status === 401) throw new AuthError(401, body.msg);
  return { status: response.status, body };
}

// Renewing the pair: the refresh token goes in the body (never in an Authorization header,
// which every endpoint reads), and the server spends the one it receives. Keep the new pair
// it answers with: sending a spent refresh token again is what a thief holding a copy would
// do, and the server answers that by revoking the whole login. In a cookie, the browser sends
// it (to this path only) and the script adds the CSRF token.
async function refresh(session) {
  const inCookie = session.token_type === COOKIE;
  const response = await fetch("/token/refresh", {
    method: "POST",
    credentials: "same-origin",
    headers: inCookie
      ? { "X-CSRF-Token": csrfToken(), ...SCRIPT_REQUEST }
      : { "Content-Type": "application/json", ...SCRIPT_REQUEST },
    body: inCookie ? undefined : JSON.stringify({ refresh_token: session.refresh_token }),
  });
  const body = await response.json();
  if (!response.ok) throw new AuthError(response.status, body.msg);
  return body; // POST /token's body: { token, token_type, ..., refresh_token, refresh_expires_in }
}

// ---- reading a token without the key -------------------------------------------------

// No regular expression touches a token: a successful match leaves its whole input in
// RegExp.input (RegExp.$_), a legacy global that any script of the page can read.
function base64UrlBytes(part) {
  const padded = part.replaceAll("-", "+").replaceAll("_", "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
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

// ---- where the token is kept ---------------------------------------------------------

// The localStorage key of the pair, where the page keeps it there.
const STORED = "auth-sandbox.session";

// The pair the last login or refresh answered with (`token`, and `refresh_token` where the
// configuration issues one), wherever the chosen place keeps it: every call reads it back
// from there. With the token in a cookie, the page keeps the answer, which holds no token.
let kept = null;

const PLACES = {
  memory: {
    kept: "Kept in a variable of the page's script, nowhere else: a reload forgets it.",
    tradeoff:
      "An injected script finds it in no storage, cookie or global variable, but it can wrap " +
      "fetch and copy it from the page's next request, and a reload loses it. Another site " +
      "cannot make the browser send it: only this page's code does.",
    load: () => kept,
    save: (pair) => { kept = pair; },
    forget: () => { kept = null; },
  },
  localStorage: {
    kept: `Kept in localStorage under "${STORED}", read back from there for every call and ` +
      "after a reload.",
    tradeoff:
      "It survives a reload, and so any script injected into this origin reads it in one line " +
      "and replays it from anywhere until it expires. Another site cannot make the browser send " +
      "it: only this page's code does.",
    load: () => {
      try {
        return JSON.parse(localStorage.getItem(STORED));
      } catch (_) {
        return null; // not JSON: nothing the page stored
      }
    },
    save: (pair) => localStorage.setItem(STORED, JSON.stringify(pair)),
    forget: () => localStorage.removeItem(STORED),
  },
  cookie: {
    kept: "Kept by the browser in an HttpOnly cookie that it sends with every request to this " +
      "site: no script of the page can read it.",
    tradeoff:
      "No script sees it (HttpOnly) and SameSite=Strict keeps other sites from sending it, yet " +
      "the browser attaches it to every request from this site, so an injected script acts as " +
      "the user while the page is open. A page of the same site (another port of this host) " +
      "makes the browser send it too, which is why logout and refresh also need the " +
      "X-CSRF-Token header, which such a page cannot read.",
    load: () => kept,
    save: (pair) => { kept = pair; },
    forget: () => { kept = null; },
  },
};

let place = "memory";
const held = () => PLACES[place].load();

// ---- the page ------------------------------------------------------------------------

// The refresh token the last refresh spent, which the replay button sends again.
let spentRefreshToken = null;
let facts = null; // GET /strategy

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

// What a request carries as proof, as the page can show it.
function sentText(session, method) {
  if (!session) return "(no token held)";
  if (session.token_type !== COOKIE) return `${session.token_type} ${session.token}`;
  const csrf = method === "GET" ? "" : ` · X-CSRF-Token: ${csrfToken() || "(none)"}`;
  return `Cookie: access_token=(HttpOnly: unreadable here)${csrf}`;
}

// A call with the token held, or with `token` in its place (the tampered one).
async function call(path, method = "GET", token = undefined) {
  const session = token === undefined ? held() : { ...held(), token };
  clearResult(CALLS, sentText(session, method));
  let answer;
  try {
    answer = await fetchPrivate(path, session, method);
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    answer = { status: error.status, body: { msg: error.message } };
  }
  showResult(CALLS, answer.status, answer.body);
  return answer;
}

// One POST /token/refresh. A new pair replaces the one the page keeps: the refresh token
// sent is spent from now on.
async function exchange(session) {
  const sent = session.token_type === COOKIE
    ? `POST /token/refresh, its refresh_token cookie (HttpOnly) · X-CSRF-Token: ${csrfToken()}`
    : `POST /token/refresh ${JSON.stringify({ refresh_token: session.refresh_token })}`;
  clearResult(REFRESHES, sent);
  let answer;
  try {
    const pair = await refresh(session);
    PLACES[place].save(pair);
    // A spent refresh token in a cookie never reached the page: there is nothing to replay.
    spentRefreshToken = session.refresh_token;
    showSession();
    $("replay").disabled = !spentRefreshToken;
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
  const replayed = await exchange({ ...held(), refresh_token: spentRefreshToken });
  if (replayed.status === 200) {
    $("replay-verdict").textContent = "The spent refresh token was accepted: no reuse detected.";
    return;
  }
  const { status } = await call("/protected");
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
  const { status, body } = await call("/logout", "POST");
  const dropped = held()?.token_type === COOKIE && !csrfToken();
  $("logout-outcome").textContent = logoutOutcome(status, body) +
    (dropped ? " The browser has dropped the login's cookies." : "");
}

function part({ kind, title, text }) {
  const block = document.createElement("div");
  block.className = `part ${kind}`;
  const heading = document.createElement("h4");
  heading.textContent = title;
  const content = document.createElement("pre");
  content.textContent = text;
  block.append(heading, content);
  return block;
}

function showSession() {
  const session = held();
  const inCookie = session.token_type === COOKIE;
  $("session").hidden = false;
  $("token-kept").textContent = PLACES[place].kept;
  $("token").textContent = inCookie
    ? "access_token cookie (HttpOnly): the browser sends it, this page cannot read it"
    : `${session.token_type} ${session.token}`;
  $("refresh-held").hidden = inCookie ? !facts.refresh_tokens : !session.refresh_token;
  $("refresh-kept").textContent = inCookie
    ? "In an HttpOnly cookie that the browser sends to POST /token/refresh alone, with the " +
      "X-CSRF-Token header the page adds: it renews the pair once, then it is spent."
    : "Sent to POST /token/refresh alone, in the body: it renews the pair once, then it is spent.";
  $("refresh-token").textContent = inCookie
    ? "refresh_token cookie (HttpOnly)"
    : session.refresh_token ?? "";
  const parts = inCookie
    ? [{ kind: "cookie", title: "Nothing: the token is in an HttpOnly cookie",
         text: "Neither this page's scripts nor a script injected into it can read it." }]
    : anatomy(session.token);
  $("anatomy").replaceChildren(...parts.map(part));
  // A cookie the page cannot read, it cannot change either.
  $("tamper").disabled = inCookie;
}

function clearAll() {
  spentRefreshToken = null;
  $("replay").disabled = true;
  clearResult(CALLS);
  clearResult(REFRESHES);
  $("logout-outcome").textContent = "";
  $("replay-verdict").textContent = "";
}

// A new login starts over: nothing spent yet, nothing shown from the previous one.
function startSession(pair) {
  PLACES[place].save(pair);
  clearAll();
  showSession();
}

// Another place forgets the token held in the previous one: log in again.
function choosePlace(chosen) {
  PLACES[place].forget();
  place = chosen;
  $(`storage-${place}`).checked = true;
  $("storage-active").textContent = place;
  $("storage-tradeoff").textContent = PLACES[place].tradeoff;
  document.body.dataset.storage = place;
  $("session").hidden = true;
  clearAll();
}

function showFacts(strategy) {
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
}

// The places this server allows: a cookie only when it sets one (TOKEN_LOCATION=cookie), and
// then nothing else, since its answers carry no token to keep.
function showPlaces(strategy) {
  const inCookies = strategy.token_location === COOKIE;
  $("storage-memory").disabled = inCookies;
  $("storage-localStorage").disabled = inCookies;
  $("storage-cookie").disabled = !inCookies;
  $("storage-availability").textContent = inCookies
    ? "This server runs with TOKEN_LOCATION=cookie: it sets the token in a cookie and answers " +
      "with none to keep, so the cookie is the only choice."
    : strategy.cookie_capable
      ? "The cookie is the server's choice (TOKEN_LOCATION=cookie); this one sends the token " +
        "in its answers, for the page to keep."
      : "The cookie is the server's choice (TOKEN_LOCATION=cookie), and this strategy's " +
        "credentials cannot travel in one.";
  if (inCookies) {
    choosePlace(COOKIE);
    // After a reload: the login goes on where the browser still holds its cookies.
    if (csrfToken()) startSession({ token: null, token_type: COOKIE, csrf_token: csrfToken() });
    return;
  }
  // After a reload: a pair in localStorage is the login the page left there.
  const stored = PLACES.localStorage.load();
  choosePlace(stored ? "localStorage" : "memory");
  if (stored) startSession(stored);
}

async function start() {
  facts = await (await fetch("/strategy")).json();
  showFacts(facts);
  showPlaces(facts);

  document.querySelectorAll('input[name="storage"]').forEach((radio) => {
    radio.addEventListener("change", () => choosePlace(radio.value));
  });
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
  $("call").addEventListener("click", () => call("/protected"));
  $("tamper").addEventListener("click", () => call("/protected", "GET", tamper(held().token)));
  $("logout").addEventListener("click", logOut);
  $("refresh").addEventListener("click", () => exchange(held()));
  $("replay").addEventListener("click", replay);
  document.body.dataset.ready = "true";
}

start();
