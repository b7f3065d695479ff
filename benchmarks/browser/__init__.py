"""The demo page's token under attack in Chromium, for each place the page can keep it.

For every strategy whose token can travel in a cookie (GET /strategy's `cookie_capable`
fact) and each place (`memory`, `localStorage`, an HttpOnly `cookie`: the last one with
TOKEN_LOCATION=cookie, where it is the page's only choice), one login in the demo page,
then what each attacker observes:

- read: a script injected into the page searches localStorage, sessionStorage,
  document.cookie and the window's globals for the token's value;
- capture: it wraps window.fetch, and the user's next call goes through the wrapper;
- use: it calls GET /protected from the page's origin with what it read or captured, and
  whatever the browser attaches on its own (the cookies): the status answered;
- cross_site: a page of another site (`http://localhost:PORT2`, where the app is
  `http://127.0.0.1:PORT`) makes the browser fetch /protected with credentials and submit a
  form POST to /logout; then the user's own next call shows whether the login survived;
- same_site: the same from another port of the app's host (`http://127.0.0.1:PORT3`):
  another origin, the same site, which SameSite does not tell apart.

For every variant of a strategy that binds its tokens to the client's key (TOKEN_BINDING=dpop:
`bearer + DPoP`, `jwt + DPoP`, `jwt + refresh + denylist + DPoP`, ...), the same in memory and
localStorage, the page making a non-extractable key and signing a proof for each request; the
cookie is left out, in the server's own words (it refuses to start so). Then, beside:

- key: the script wraps crypto.subtle.sign, so that the page's next proof hands it the key's
  handle; it tries to export the key (pkcs8, jwk) and to wrap it, and has it sign proofs of
  its own, with which it calls the API as the user (the `use` above); and a script that runs
  before the page's own (an init script, in a profile of its own) tries the same;
- elsewhere: from the attacker's own client (plain HTTP, outside the browser, with a key of
  its own), the captured token and proof, that proof to another method and URL, the token
  with a proof of its own key, alone, and as a bearer token; and a proof the page's key
  signed for the script, sent twice;
- refresh (where the configuration issues them): the login's refresh token, unspent, from
  the attacker's own client without a proof and with one of its own key; then the user's
  next call.

What the server answered is read at the server (a WSGI wrapper records each request's
status and whether the access-token cookie came with it): a cross-origin page cannot read the
answers it causes, and it needs none to act.

Everything listens on 127.0.0.1 only; `localhost` is the loopback's other name.

The modules: `served_app` (the app, served and watched), `attacker_sites` (the other
origins), `scripts` and `key_scripts` (what is injected into the page), `attacks` (one cell: a
place, every attack), `bound` (a bound cell's own attacks), `chromium`, `matrix` (every
configuration by every place) and `summary` (the tables).
"""
