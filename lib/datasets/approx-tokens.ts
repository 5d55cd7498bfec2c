/**
 * A tokenizer-free estimate of a text's length in tokens.
 *
 * Its purpose: truncating prompts to `generation.maxInputTokens` and drawing synthetic
 * prompt lengths where no tokenizer is at hand (lem itself loads none). Engines count
 * exactly; results record their counts, never this estimate.
 *
 * The rule, close to what BPE tokenizers of English do: the text is cut into pieces, each a
 * run of letters (a word), a single digit, or a single other non-space character
 * (punctuation, a symbol, a CJK character); whitespace separates pieces and counts nothing.
 * - a word of up to 8 letters is 1 token (common English words are one token in BPE);
 * - a longer word is ceil(letters / 6) tokens ("following": 2, "internationalisation": 4);
 * - each digit is 1 token (many tokenizers split numbers into digits);
 * - each other character is 1 token (".", ":", "€", "中").
 */

/**
 * The pieces: CJK and kana characters one at a time (no spaces between words there), then
 * words (letters and combining marks, so "café" is one word), single digits, and any other
 * single non-space character.
 */
const PIECE =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|[\p{L}\p{M}]+|\p{N}|[^\s\p{L}\p{M}\p{N}]/gu;

/** Words up to this many letters are one token. */
const ONE_TOKEN_WORD_LETTERS = 8;
/** Letters per token of longer words. */
const LETTERS_PER_TOKEN = 6;

function tokensOfPiece(piece: string): number {
  // Code points, not UTF-16 units, so astral letters count once.
  const letters = [...piece].length;
  if (letters <= ONE_TOKEN_WORD_LETTERS) return 1;
  return Math.ceil(letters / LETTERS_PER_TOKEN);
}

/** Approximate number of tokens of `text` (see the rule above). */
export function approxTokenCount(text: string): number {
  let tokens = 0;
  for (const m of text.matchAll(PIECE)) tokens += tokensOfPiece(m[0]);
  return tokens;
}

/** The longest start of a word that is at most `tokens` approximate tokens. */
function wordStart(word: string, tokens: number): string {
  if (tokens < 1) return "";
  const letters = tokens === 1 ? ONE_TOKEN_WORD_LETTERS : tokens * LETTERS_PER_TOKEN;
  return [...word].slice(0, letters).join("");
}

/**
 * `text` cut to at most `maxTokens` approximate tokens, at a piece boundary (a word is split
 * only when it is the first piece, so that a text in a script written without spaces, such
 * as Thai, is never cut to nothing), with trailing whitespace removed. A text already within
 * the limit is returned as is.
 */
export function truncateToApproxTokens(text: string, maxTokens: number): string {
  if (!Number.isFinite(maxTokens) || maxTokens < 0) throw new RangeError(`maxTokens must be a non-negative number, got ${maxTokens}`);
  let tokens = 0;
  let end = 0;
  for (const m of text.matchAll(PIECE)) {
    const next = tokens + tokensOfPiece(m[0]);
    if (next > maxTokens) {
      if (end === 0) return (text.slice(0, m.index) + wordStart(m[0], maxTokens)).trimEnd();
      return text.slice(0, end).trimEnd();
    }
    tokens = next;
    end = m.index + m[0].length;
  }
  return text;
}
