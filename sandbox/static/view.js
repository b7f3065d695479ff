// What the page shows: the server's facts, the answers, and, where tokens are bound to a key,
// the page's key and the proof of its last request.

export const $ = (id) => document.getElementById(id);

// Where an answer shows: the calls made with the access token, and the refresh exchanges.
export const CALLS = { sent: "sent-header", status: "result-status", body: "result-body" };
export const REFRESHES = { sent: "refresh-sent", status: "refresh-status", body: "refresh-body" };

export function clearResult(where, sent = "") {
  $(where.sent).textContent = sent;
  $(where.status).textContent = sent ? "…" : "–";
  $(where.status).className = "";
  $(where.body).textContent = "";
}

export function showResult(where, status, body) {
  $(where.status).textContent = status;
  $(where.status).className = status >= 200 && status < 300 ? "ok" : "refused";
  $(where.body).textContent = body === null ? "(no body)" : JSON.stringify(body, null, 2);
}

export function part({ kind, title, text }) {
  const block = document.createElement("div");
  block.className = `part ${kind}`;
  const heading = document.createElement("h4");
  heading.textContent = title;
  const content = document.createElement("pre");
  content.textContent = text;
  block.append(heading, content);
  return block;
}

export function showFacts(strategy) {
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
  $("strategy-binding").textContent = strategy.token_binding === "dpop"
    ? "tokens bound to the page's key (DPoP)" : "bearer tokens: whoever holds one can use it";
  // The facts decide, not the strategy's name: jwt issues refresh tokens only when configured to.
  $("renew").hidden = !strategy.refresh_tokens;
  $("refresh").disabled = !strategy.refresh_tokens;
}

// Where the cookie stands as a place, on this server.
export function availability(strategy) {
  if (strategy.token_location === "cookie") {
    return "This server runs with TOKEN_LOCATION=cookie: it sets the token in a cookie and " +
      "answers with none to keep, so the cookie is the only choice.";
  }
  if (strategy.token_binding === "dpop") {
    return "No cookie here: a token bound to the page's key (DPoP) travels with a proof the " +
      "page signs for each request, which a cookie the browser attaches by itself is not.";
  }
  return strategy.cookie_capable
    ? "The cookie is the server's choice (TOKEN_LOCATION=cookie); this one sends the token " +
      "in its answers, for the page to keep."
    : "The cookie is the server's choice (TOKEN_LOCATION=cookie), and this strategy's " +
      "credentials cannot travel in one.";
}

// Said after a reload where tokens are bound to the page's key: the key went with the page.
export const DROPPED_ON_RELOAD = " The token left in localStorage was bound to the key of the " +
  "page before this reload, which went with it: it was dropped, log in again.";

// What a logout's answer says was revoked.
export function logoutOutcome(status, body) {
  if (status === 204) return "Logged out: the whole login is revoked, every token it was given.";
  if (status === 200) {
    const revoked = body.revoked.map((kind) => kind.replace(/_/g, " ")).join(", ");
    return `Revoked: ${revoked}; access token still valid for ${body.access_token_valid_for} s ` +
      "(nothing refuses it before it expires).";
  }
  return `Nothing revoked (${status}): ${body?.msg ?? "no message"}`;
}

// The page's key, as a learner compares it with the proofs and the token's cnf.jkt.
export function showKey(key) {
  $("key").hidden = false;
  $("key-public").textContent = JSON.stringify(key.jwk, null, 2);
  $("key-thumbprint").textContent = key.thumbprint;
  $("key-private").textContent = key.exportRefused
    ? `not extractable: exportKey("pkcs8") threw ${key.exportRefused}`
    : "EXTRACTABLE: exportKey returned its bytes, which should never happen here";
  return key;
}

export function showKeyMissing(error) {
  $("key").hidden = false;
  $("key-private").textContent = `No key: ${error.message}`;
  return null;
}

// The proof the page's key signed for its last request, decoded: what a learner compares
// with the request (htm, htu), the token (ath) and the key (jwk).
export function showProof(proof) {
  $("proof-held").hidden = !proof;
  if (!proof) return;
  const [, , signature] = proof.jwt.split(".");
  $("proof-for").textContent = `Sent as the DPoP header of ${proof.claims.htm} ` +
    `${new URL(proof.claims.htu).pathname}: ${proof.jwt}`;
  $("proof").replaceChildren(
    part({ kind: "header", title: "Header: the page's public key (jwk), never the private one",
           text: JSON.stringify(proof.header, null, 2) }),
    part({ kind: "payload", title: "Claims: this one request (htm, htu), now (iat), once (jti)" +
             (proof.claims.ath ? ", beside this token (ath: its SHA-256)" : ""),
           text: JSON.stringify(proof.claims, null, 2) }),
    part({ kind: "signature", title: "Signature (ES256): only the page's key makes it",
           text: signature }),
  );
}
