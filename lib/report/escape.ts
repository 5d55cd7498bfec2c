/**
 * Escaping for the one HTML file the report is: text into HTML, data into an inline
 * <script type="application/json">, and a JavaScript library into an inline <script>.
 */

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text safe inside an HTML element or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON that can sit inside an inline <script> element: `<`, `>` and `&` become \u escapes, so
 * no `</script>` or `<!--` can end or confuse the element, and U+2028/U+2029 are escaped
 * because older JavaScript parsers took them for line ends. JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * JavaScript source that can sit inside an inline <script> element. `</script` and `<!--`
 * in a library's source occur inside strings, templates, regular expressions or comments,
 * where `\x3C` (an escape for `<`) means the same, so the program is unchanged and the HTML
 * parser never sees the element end early.
 */
export function scriptForInline(source: string): string {
  return source.replace(/<(\/script|!--)/gi, "\\x3C$1");
}
