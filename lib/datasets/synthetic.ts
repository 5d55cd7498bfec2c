/**
 * Synthetic prompts: generated from a seed, nothing to download. Each is shaped as a request
 * ("Summarise the following notes:" and sentences of common English words) and is exactly as
 * long, in approximate tokens (approx-tokens.ts), as the length drawn for it from
 * `dataset.synthetic`. The same seed gives the same prompts on every platform: the generator
 * is lem's own (mulberry32), lengths are rounded to integers, and the words come from the
 * fixed list below.
 */
import type { ExperimentConfig } from "../config/schema.js";
import { randomInt, seededRandom, type Random } from "../random/seeded-random.js";
import { approxTokenCount } from "./approx-tokens.js";
import type { Prompt } from "./prompt.js";

export type SyntheticLength = ExperimentConfig["dataset"]["synthetic"];

/**
 * Common English words of at most 8 letters, each a single token in the BPE tokenizers of
 * current models (with its leading space) and 1 in approxTokenCount. Never reorder or edit:
 * the prompts of every seed depend on this list.
 */
const WORDS: readonly string[] = [
  "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not",
  "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you", "were", "their",
  "one", "all", "we", "can", "her", "has", "there", "been", "if", "more", "when", "will", "would", "who", "so", "no",
  "time", "year", "people", "way", "day", "man", "thing", "woman", "life", "child", "world", "school", "state", "family", "student", "group",
  "country", "problem", "hand", "part", "place", "case", "week", "company", "system", "program", "question", "work", "number", "night", "point", "home",
  "water", "room", "mother", "area", "money", "story", "fact", "month", "lot", "right", "study", "book", "eye", "job", "word", "business",
  "issue", "side", "kind", "head", "house", "service", "friend", "father", "power", "hour", "game", "line", "end", "member", "law", "car",
  "city", "name", "team", "minute", "idea", "kid", "body", "back", "parent", "face", "others", "level", "office", "door", "health", "person",
  "art", "war", "history", "party", "result", "change", "morning", "reason", "research", "girl", "guy", "moment", "air", "teacher", "force", "order",
  "say", "get", "make", "go", "know", "take", "see", "come", "think", "look", "want", "give", "use", "find", "tell", "ask",
  "seem", "feel", "try", "leave", "call", "keep", "let", "begin", "help", "talk", "turn", "start", "show", "hear", "play", "run",
  "move", "like", "live", "believe", "hold", "bring", "happen", "write", "provide", "sit", "stand", "lose", "pay", "meet", "include", "continue",
  "good", "new", "first", "last", "long", "great", "little", "own", "other", "old", "big", "high", "small", "large", "next", "early",
  "young", "few", "public", "bad", "same", "able", "best", "better", "sure", "free", "low", "late", "hard", "major", "real", "strong",
  "also", "very", "often", "still", "never", "here", "then", "now", "only", "just", "well", "even", "ahead", "much", "again", "always",
  "about", "after", "before", "over", "under", "between", "through", "during", "without", "against", "around", "among", "into", "upon", "since", "until",
];

/** Openings that make each prompt read as a request; their token counts are measured, not assumed. */
const INSTRUCTIONS: readonly string[] = [
  "Summarise the following notes:",
  "List the main points of this report:",
  "Rewrite this passage in plain words:",
  "Explain what the following text says:",
  "Write a short reply to this message:",
  "Answer the questions raised in this text:",
];

/** Words per sentence: MIN_SENTENCE_WORDS plus up to SENTENCE_WORD_SPREAD - 1 more. */
const MIN_SENTENCE_WORDS = 4;
const SENTENCE_WORD_SPREAD = 12;

/** A standard normal draw (Box-Muller; 1 - u keeps log away from 0). */
function standardNormal(random: Random): number {
  const u1 = 1 - random();
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** One prompt length in tokens, drawn from `spec` and clipped to [minTokens, maxTokens]. */
export function drawLengthTokens(spec: SyntheticLength, random: Random): number {
  let tokens: number;
  switch (spec.distribution) {
    case "fixed":
      tokens = spec.meanTokens;
      break;
    case "uniform":
      tokens = spec.minTokens + randomInt(random, spec.maxTokens - spec.minTokens + 1);
      break;
    case "normal":
      tokens = spec.meanTokens + spec.stddevTokens * standardNormal(random);
      break;
    case "lognormal": {
      // The lognormal whose own mean and standard deviation are meanTokens and stddevTokens.
      const sigma2 = Math.log(1 + (spec.stddevTokens / spec.meanTokens) ** 2);
      const mu = Math.log(spec.meanTokens) - sigma2 / 2;
      tokens = Math.exp(mu + Math.sqrt(sigma2) * standardNormal(random));
      break;
    }
  }
  return Math.min(spec.maxTokens, Math.max(spec.minTokens, Math.round(tokens)));
}

function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Sentences of common words ending in ".", exactly `tokens` approximate tokens long. */
function body(tokens: number, random: Random): string {
  const sentences: string[] = [];
  let left = tokens;
  while (left > 0) {
    // A sentence of k words is k + 1 tokens with its full stop; a lone last token is a word.
    const k = left === 1 ? 1 : Math.min(MIN_SENTENCE_WORDS + randomInt(random, SENTENCE_WORD_SPREAD), left - 1);
    const words = Array.from({ length: k }, () => WORDS[randomInt(random, WORDS.length)]!);
    words[0] = capitalised(words[0]!);
    sentences.push(left === 1 ? words[0]! : `${words.join(" ")}.`);
    left -= left === 1 ? 1 : k + 1;
  }
  return sentences.join(" ");
}

/** A request of exactly `tokens` approximate tokens: an instruction and a body, or just a body when too short for both. */
export function syntheticText(tokens: number, random: Random): string {
  const instruction = INSTRUCTIONS[randomInt(random, INSTRUCTIONS.length)]!;
  const instructionTokens = approxTokenCount(instruction);
  if (tokens >= instructionTokens + 2) return `${instruction}\n\n${body(tokens - instructionTokens, random)}`;
  return body(tokens, random);
}

/**
 * `count` synthetic prompts from `seed`, ids "synthetic-0", "synthetic-1", ... Prompt i does
 * not depend on `count`: asking for more prompts only adds to the end.
 */
export function syntheticPrompts(spec: SyntheticLength, count: number, seed: number): Prompt[] {
  const random = seededRandom(seed);
  const prompts: Prompt[] = [];
  for (let i = 0; i < count; i++) {
    const tokens = drawLengthTokens(spec, random);
    prompts.push({ id: `synthetic-${i}`, text: syntheticText(tokens, random), approxInputTokens: tokens });
  }
  return prompts;
}
