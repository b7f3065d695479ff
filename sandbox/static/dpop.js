// DPoP (RFC 9449): a key this page makes and holds, and a fresh proof signed by it for every
// request, so that a copy of the token is useless to whoever lacks the key.
//
// The private key is made non-extractable: WebCrypto signs with it, but no script, this
// page's or one injected into it later, can read its bytes (exportKey throws). Nothing keeps
// it but this module's memory: a reload makes a new key, and a token bound to the old one is
// then useless. What it cannot stop is a script running in this page while it is open:
// whoever can call sign() with the key acts as the page does. Nor a script that runs before
// this one and replaces generateKey, which is why the page checks what exportKey answers.

export const PROOF_HEADER = "DPoP";
const PROOF_TYPE = "dpop+jwt";
// ES256 (ECDSA over P-256, SHA-256): WebCrypto's ECDSA signature is already the raw r||s
// that JWS wants, not DER.
const ALGORITHM = "ES256";
const KEY_PARAMETERS = { name: "ECDSA", namedCurve: "P-256" };
const SIGNATURE_PARAMETERS = { name: "ECDSA", hash: "SHA-256" };

function base64Url(bytes) {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

const utf8 = (text) => new TextEncoder().encode(text);
const jsonPart = (value) => base64Url(utf8(JSON.stringify(value)));
const sha256 = async (text) => base64Url(await crypto.subtle.digest("SHA-256", utf8(text)));

// The token an `Authorization: DPoP <token>` header sends, which the proof's `ath` names.
function sentToken(authorization) {
  const [scheme, token] = (authorization ?? "").split(" ");
  return scheme === "DPoP" && token ? token : undefined;
}

export class ProofKey {
  #privateKey; // a CryptoKey: a handle to sign with, never the key's bytes

  constructor(privateKey, jwk, thumbprint, exportRefused) {
    this.#privateKey = privateKey;
    this.jwk = jwk; // the public key, which every proof carries in its header
    this.thumbprint = thumbprint; // RFC 7638: what a token bound to this key names (cnf.jkt)
    this.exportRefused = exportRefused; // what exportKey answered when asked for the private key
    this.last = null; // the last proof made, as the page shows it
  }

  // A proof for one request of `method` to `url` (query and fragment dropped, as the server
  // compares it), beside `token` where one is sent.
  async proof(method, url, token) {
    const target = new URL(url, location.href);
    const header = { typ: PROOF_TYPE, alg: ALGORITHM, jwk: this.jwk };
    const claims = {
      jti: crypto.randomUUID(),
      htm: method,
      htu: target.origin + target.pathname,
      iat: Math.floor(Date.now() / 1000),
    };
    if (token !== undefined) claims.ath = await sha256(token);
    const input = `${jsonPart(header)}.${jsonPart(claims)}`;
    const signature = await crypto.subtle.sign(SIGNATURE_PARAMETERS, this.#privateKey, utf8(input));
    this.last = { header, claims, jwt: `${input}.${base64Url(signature)}` };
    return this.last.jwt;
  }

  // fetch, with a fresh proof added to the request: what a DPoP client sends on every call.
  // The global fetch is looked up at each call, as any call of the page's would be.
  async fetch(input, init = {}) {
    const headers = new Headers(init.headers);
    const method = (init.method ?? "GET").toUpperCase();
    headers.set(PROOF_HEADER, await this.proof(method, input, sentToken(headers.get("Authorization"))));
    return window.fetch(input, { ...init, headers });
  }
}

// The page's key, made at load. A secure context is needed (https, or http on localhost).
export async function makeProofKey() {
  if (!globalThis.crypto?.subtle) {
    throw new Error("WebCrypto is not available here: it needs https, or http on localhost");
  }
  const pair = await crypto.subtle.generateKey(KEY_PARAMETERS, false, ["sign"]);
  // A public key is always extractable: only its four public members go in the proofs.
  const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  // RFC 7638: the required members in lexicographic order, without whitespace.
  const thumbprint = await sha256(JSON.stringify({ crv, kty, x, y }));
  let exportRefused;
  try {
    await crypto.subtle.exportKey("pkcs8", pair.privateKey);
    exportRefused = null; // it should never get here: the page says so if it does
  } catch (error) {
    exportRefused = `${error.name}: ${error.message}`;
  }
  return new ProofKey(pair.privateKey, { kty, crv, x, y }, thumbprint, exportRefused);
}
