// The lesson's client flow, working. No framework, nothing from another host.
// A module: what it declares is its own, out of reach of any other script of the page (a
// classic script's top-level variables are shared with every script, an injected one too).

import { anatomy, tamper } from "./anatomy.js";
import { COOKIE, csrfToken } from "./cookies.js";
import { makeProofKey } from "./dpop.js";
import { PLACES } from "./places.js";
import {
  $, CALLS, DROPPED_ON_RELOAD, REFRESHES, availability, clearResult, logoutOutcome, part,
  showFacts, showKey, showKeyMissing, showProof, showResult,
} from "./view.js";

// The page's key, where the server binds tokens to one (GET /strategy's token_binding);
// made at load, held here alone.
let proofKey = null;

// Every request of this module goes through here, so that the lesson's functions below read
// the same for every server: where tokens are bound to a key, each request gets a fresh
// proof signed by the page's key (dpop.js).
const fetch = (input, init) => (proofKey ? proofKey.fetch(input, init) : window.fetch(input, init));

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

// ---- the page ------------------------------------------------------------------------

let place = "memory";
const held = () => PLACES[place].load();

// The refresh token the last refresh spent, which the replay button sends again.
let spentRefreshToken = null;
let facts = null; // GET /strategy
const bound = () => facts?.token_binding === "dpop";
const PROOF_SENT = " · DPoP: a fresh proof, signed by the page's key (shown below the token)";

// What a request carries as proof, as the page can show it.
function sentText(session, method) {
  if (!session) return "(no token held)";
  if (session.token_type !== COOKIE) {
    return `${session.token_type} ${session.token}${proofKey ? PROOF_SENT : ""}`;
  }
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
  showProof(proofKey?.last);
  return answer;
}

// One POST /token/refresh. A new pair replaces the one the page keeps: the refresh token
// sent is spent from now on.
async function exchange(session) {
  const sent = session.token_type === COOKIE
    ? `POST /token/refresh, its refresh_token cookie (HttpOnly) · X-CSRF-Token: ${csrfToken()}`
    : `POST /token/refresh ${JSON.stringify({ refresh_token: session.refresh_token })}` +
      (proofKey ? PROOF_SENT : "");
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
  showProof(proofKey?.last);
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

async function logOut() {
  $("logout-outcome").textContent = "";
  const { status, body } = await call("/logout", "POST");
  const dropped = held()?.token_type === COOKIE && !csrfToken();
  $("logout-outcome").textContent = logoutOutcome(status, body) +
    (dropped ? " The browser has dropped the login's cookies." : "");
}

function showSession() {
  const session = held();
  const inCookie = session.token_type === COOKIE;
  $("session").hidden = false;
  $("token-kept").textContent = PLACES[place].kept + (bound()
    ? " It is bound to the page's key (its thumbprint, above): sent without a proof signed by " +
      "that key, it is refused."
    : "");
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

// A new login starts over: nothing spent yet, nothing shown from the previous one but the
// login's own proof.
function startSession(pair) {
  PLACES[place].save(pair);
  clearAll();
  showSession();
  showProof(proofKey?.last);
}

// Another place forgets the token held in the previous one: log in again.
function choosePlace(chosen) {
  PLACES[place].forget();
  place = chosen;
  $(`storage-${place}`).checked = true;
  $("storage-active").textContent = place;
  $("storage-tradeoff").textContent = (bound() && PLACES[place].bound) || PLACES[place].tradeoff;
  document.body.dataset.storage = place;
  $("session").hidden = true;
  clearAll();
}

// The places this server allows: a cookie only when it sets one (TOKEN_LOCATION=cookie), and
// then nothing else, since its answers carry no token to keep.
function showPlaces(strategy) {
  const inCookies = strategy.token_location === COOKIE;
  $("storage-memory").disabled = inCookies;
  $("storage-localStorage").disabled = inCookies;
  $("storage-cookie").disabled = !inCookies;
  $("storage-availability").textContent = availability(strategy);
  if (inCookies) {
    choosePlace(COOKIE);
    // After a reload: the login goes on where the browser still holds its cookies.
    if (csrfToken()) startSession({ token: null, token_type: COOKIE, csrf_token: csrfToken() });
    return;
  }
  // After a reload: a pair in localStorage is the login the page left there, unless it is
  // bound to the key of the page before the reload, which went with it.
  const stored = PLACES.localStorage.load();
  choosePlace(stored ? "localStorage" : "memory");
  if (stored && bound()) {
    PLACES.localStorage.forget();
    $("storage-availability").textContent += DROPPED_ON_RELOAD;
  } else if (stored) {
    startSession(stored);
  }
}

async function start() {
  facts = await (await fetch("/strategy")).json();
  showFacts(facts);
  // Without a key (no WebCrypto here) the server refuses the login, and the page says why.
  if (bound()) proofKey = await makeProofKey().then(showKey, showKeyMissing);
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
