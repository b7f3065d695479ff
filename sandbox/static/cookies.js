// Where the token travels with TOKEN_LOCATION=cookie: in cookies the browser attaches
// itself; the JSON body says so with this `token_type`, and carries no token.
export const COOKIE = "cookie";
const CSRF_COOKIE = "csrf_token";

// The CSRF token of the login, read where the server keeps it for the page's scripts (a
// cookie that is not HttpOnly): a page of another origin cannot read it, so cannot send it.
export function csrfToken() {
  const found = document.cookie.split("; ").find((pair) => pair.startsWith(`${CSRF_COOKIE}=`));
  return found ? decodeURIComponent(found.slice(CSRF_COOKIE.length + 1)) : "";
}
