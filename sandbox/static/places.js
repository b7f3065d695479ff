// Where the page keeps the token it was given, and what each place leaves to an attacker.

// The localStorage key of the pair, where the page keeps it there.
export const STORED = "auth-sandbox.session";

// The pair the last login or refresh answered with (`token`, and `refresh_token` where the
// configuration issues one), wherever the chosen place keeps it: every call reads it back
// from there. With the token in a cookie, the page keeps the answer, which holds no token.
let kept = null;

// `tradeoff` is a bearer token's; `bound` replaces it where the server binds tokens to the
// page's key (DPoP), which changes what a copy of the token is worth, not who can take it.
export const PLACES = {
  memory: {
    kept: "Kept in a variable of the page's script, nowhere else: a reload forgets it.",
    tradeoff:
      "An injected script finds it in no storage, cookie or global variable, but it can wrap " +
      "fetch and copy it from the page's next request, and a reload loses it. Another site " +
      "cannot make the browser send it: only this page's code does.",
    bound:
      "An injected script finds it in no storage, cookie or global variable, and what it copies " +
      "from a request is useless anywhere else: the token needs the page's key, which no script " +
      "can read once the page has made it, and the proof beside it is spent. While the page is " +
      "open, though, that script can have the page's key sign proofs of its own and call the " +
      "API as the user: the binding stops a thief outside the page, not a script inside it.",
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
    bound:
      "Any script injected into this origin reads it in one line, yet it is useless anywhere " +
      "else without the page's key, which no script can read once the page has made it, and a " +
      "reload makes a new key, so the token kept here is dropped at the next load. While the " +
      "page is open, though, that script can have the page's key sign proofs of its own and " +
      "call the API as the user.",
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
