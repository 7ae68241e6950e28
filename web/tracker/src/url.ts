/** `url` resolved against the page, without query string and fragment. */
export function stripQuery(url: string | URL): string {
  let s = String(url);
  try {
    s = new URL(s, location.href).href;
  } catch {
    /* keep as given */
  }
  return s.split(/[?#]/)[0];
}
