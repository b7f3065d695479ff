// Reading a token without the key: what anyone who holds it sees, and a one-character change.
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

export function anatomy(token) {
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
export function tamper(token) {
  const parts = token.split(".");
  const target = parts.length === 3 ? 1 : 0;
  const part = parts[target];
  const at = Math.floor(part.length / 2);
  parts[target] = part.slice(0, at) + (part[at] === "A" ? "B" : "A") + part.slice(at + 1);
  return parts.join(".");
}
