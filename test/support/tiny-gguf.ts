/**
 * A tiny llama-architecture model in a GGUF v3 file, written from scratch for tests: seeded
 * random F32 weights (the text it writes is noise, the arithmetic is real) and a SentencePiece
 * ("llama") vocabulary with byte fallback, so that llama.cpp loads it, tokenizes any text and
 * generates. Layout follows ggml's docs/gguf.md: header, metadata key/values, tensor infos,
 * padding to the alignment, tensor data (each tensor at an aligned offset).
 */
import { seededRandom } from "../../lib/random/seeded-random.js";
import { writeFileSync } from "node:fs";

export interface TinyGgufOptions {
  /** Seed of the weights (default 1). */
  seed?: number;
  /** Words added to the vocabulary as whole pieces (each prefix too, so SentencePiece can merge them). */
  vocab?: string[];
  layers?: number;
  embd?: number;
  heads?: number;
  /** Key/value heads (grouped-query attention when fewer than heads). */
  headsKv?: number;
  ff?: number;
  /** The context length the model says it was trained with. */
  contextLength?: number;
  /**
   * How likely the end-of-sequence token is. "never" (default): its logit is always 0 while
   * the others scatter around 0, so greedy decoding never picks it and generations run to their
   * limit. "often": its output row is three times as large as the others, so greedy decoding
   * picks it at some positions and generations end early.
   */
  eos?: "never" | "often";
  /**
   * Greedy output is whole printable pieces only: the byte tokens' output rows are zero, so
   * they never win while some printable piece scores above 0 (all but certain with ~200 of
   * them). Servers that parse their output as UTF-8 text (llama-server) need this; the byte
   * tokens would emit invalid UTF-8.
   */
  textOnly?: boolean;
}

/** The model's hyper-parameters and vocabulary, as written. */
export interface TinyGgufFacts {
  vocabSize: number;
  bosId: number;
  eosId: number;
  unkId: number;
  tokens: string[];
  fileBytes: number;
}

const DEFAULT_WORDS = [
  "the", "and", "of", "to", "in", "is", "it", "that", "for", "on", "with", "as", "are", "this", "be", "was",
  "energy", "power", "model", "token", "tokens", "measure", "inference", "joule", "watt", "GPU", "llama",
  "hello", "world", "text", "prompt", "data", "time", "what", "how", "much",
];

// GGUF metadata value types (gguf.md).
const T_UINT32 = 4;
const T_INT32 = 5;
const T_FLOAT32 = 6;
const T_BOOL = 7;
const T_STRING = 8;
const T_ARRAY = 9;
// ggml tensor type of plain 32-bit floats.
const GGML_F32 = 0;
// llama.cpp token types.
const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;
const ALIGNMENT = 32;
const SPACE = "\u2581"; // SentencePiece's word-boundary mark

type Meta =
  | { type: "u32"; value: number }
  | { type: "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "str"; value: string }
  | { type: "str[]"; value: string[] }
  | { type: "f32[]"; value: number[] }
  | { type: "i32[]"; value: number[] };

/** Little-endian byte sink. */
class Bytes {
  readonly parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.push(b);
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    if (pad) this.push(Buffer.alloc(pad));
  }
}

function writeMeta(out: Bytes, key: string, m: Meta): void {
  out.str(key);
  switch (m.type) {
    case "u32":
      out.u32(T_UINT32);
      out.u32(m.value);
      break;
    case "f32":
      out.u32(T_FLOAT32);
      out.f32(m.value);
      break;
    case "bool":
      out.u32(T_BOOL);
      out.push(Buffer.from([m.value ? 1 : 0]));
      break;
    case "str":
      out.u32(T_STRING);
      out.str(m.value);
      break;
    case "str[]":
      out.u32(T_ARRAY);
      out.u32(T_STRING);
      out.u64(m.value.length);
      for (const s of m.value) out.str(s);
      break;
    case "f32[]":
      out.u32(T_ARRAY);
      out.u32(T_FLOAT32);
      out.u64(m.value.length);
      for (const v of m.value) out.f32(v);
      break;
    case "i32[]":
      out.u32(T_ARRAY);
      out.u32(T_INT32);
      out.u64(m.value.length);
      for (const v of m.value) out.i32(v);
      break;
  }
}


/** SentencePiece vocabulary: <unk>, <s>, </s>, the 256 byte tokens, printable ASCII, words and their prefixes. */
function buildVocab(words: string[]): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN_BYTE);
  }
  const pieces = new Set<string>([SPACE]);
  for (let c = 0x21; c < 0x7f; c++) pieces.add(String.fromCharCode(c));
  for (const w of words) {
    // Every prefix of "▁word" is a piece, so the merges of the SentencePiece tokenizer reach the whole word.
    const full = SPACE + w;
    for (let n = 2; n <= [...full].length; n++) pieces.add([...full].slice(0, n).join(""));
  }
  for (const p of pieces) {
    tokens.push(p);
    types.push(TOKEN_NORMAL);
  }
  // Longer pieces score higher: the tokenizer merges the highest-scoring pair first.
  const scores = tokens.map((t, i) => (types[i] === TOKEN_NORMAL ? [...t].length - i / tokens.length : 0));
  return { tokens, scores, types };
}

interface Tensor {
  name: string;
  /** ggml order: ne[0] (the row length) first. */
  dims: number[];
  data: Float32Array;
}

/**
 * Writes the model to `path` and returns what it wrote. Default shape: 2 layers, n_embd 64,
 * 4 heads, feed-forward 128, context 512, 466 tokens of vocabulary: 580 KB.
 */
export function writeTinyLlamaGguf(path: string, o: TinyGgufOptions = {}): TinyGgufFacts {
  const layers = o.layers ?? 2;
  const embd = o.embd ?? 64;
  const heads = o.heads ?? 4;
  const headsKv = o.headsKv ?? heads;
  const ff = o.ff ?? 128;
  const contextLength = o.contextLength ?? 512;
  if (embd % heads !== 0 || heads % headsKv !== 0) {
    throw new Error(`writeTinyLlamaGguf: embd (${embd}) must be a multiple of heads (${heads}), and heads of headsKv (${headsKv})`);
  }
  const headDim = embd / heads;
  const embdKv = headDim * headsKv;
  const { tokens, scores, types } = buildVocab([...DEFAULT_WORDS, ...(o.vocab ?? [])]);
  const vocab = tokens.length;
  const eosId = 2;

  const random = seededRandom(o.seed ?? 1);
  const normal = (std: number) => std * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const weights = (dims: number[], std: number): Float32Array => {
    const a = new Float32Array(dims.reduce((x, y) => x * y, 1));
    for (let i = 0; i < a.length; i++) a[i] = normal(std);
    return a;
  };
  const ones = (n: number) => new Float32Array(n).fill(1);

  // One output row per token; the end-of-sequence row decides how often generation ends (o.eos).
  const output = weights([embd, vocab], 0.5);
  for (let i = eosId * embd; i < (eosId + 1) * embd; i++) output[i] = o.eos === "often" ? output[i]! * 3 : 0;
  if (o.textOnly) {
    types.forEach((type, id) => {
      if (type === TOKEN_BYTE) output.fill(0, id * embd, (id + 1) * embd);
    });
  }
  const tensors: Tensor[] = [
    { name: "token_embd.weight", dims: [embd, vocab], data: weights([embd, vocab], 1) },
    { name: "output_norm.weight", dims: [embd], data: ones(embd) },
    { name: "output.weight", dims: [embd, vocab], data: output },
  ];
  const std = 1 / Math.sqrt(embd);
  for (let l = 0; l < layers; l++) {
    const b = `blk.${l}`;
    tensors.push(
      { name: `${b}.attn_norm.weight`, dims: [embd], data: ones(embd) },
      { name: `${b}.attn_q.weight`, dims: [embd, embd], data: weights([embd, embd], std) },
      { name: `${b}.attn_k.weight`, dims: [embd, embdKv], data: weights([embd, embdKv], std) },
      { name: `${b}.attn_v.weight`, dims: [embd, embdKv], data: weights([embd, embdKv], std) },
      { name: `${b}.attn_output.weight`, dims: [embd, embd], data: weights([embd, embd], std) },
      { name: `${b}.ffn_norm.weight`, dims: [embd], data: ones(embd) },
      { name: `${b}.ffn_gate.weight`, dims: [embd, ff], data: weights([embd, ff], std) },
      { name: `${b}.ffn_up.weight`, dims: [embd, ff], data: weights([embd, ff], std) },
      { name: `${b}.ffn_down.weight`, dims: [ff, embd], data: weights([ff, embd], 1 / Math.sqrt(ff)) },
    );
  }

  const meta: [string, Meta][] = [
    ["general.architecture", { type: "str", value: "llama" }],
    ["general.name", { type: "str", value: "lem-tiny-llama" }],
    ["general.alignment", { type: "u32", value: ALIGNMENT }],
    ["general.file_type", { type: "u32", value: 0 }], // all F32
    ["llama.context_length", { type: "u32", value: contextLength }],
    ["llama.embedding_length", { type: "u32", value: embd }],
    ["llama.block_count", { type: "u32", value: layers }],
    ["llama.feed_forward_length", { type: "u32", value: ff }],
    ["llama.attention.head_count", { type: "u32", value: heads }],
    ["llama.attention.head_count_kv", { type: "u32", value: headsKv }],
    ["llama.rope.dimension_count", { type: "u32", value: headDim }],
    ["llama.rope.freq_base", { type: "f32", value: 10000 }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "f32", value: 1e-5 }],
    ["llama.vocab_size", { type: "u32", value: vocab }],
    ["tokenizer.ggml.model", { type: "str", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "str[]", value: tokens }],
    ["tokenizer.ggml.scores", { type: "f32[]", value: scores }],
    ["tokenizer.ggml.token_type", { type: "i32[]", value: types }],
    ["tokenizer.ggml.unknown_token_id", { type: "u32", value: 0 }],
    ["tokenizer.ggml.bos_token_id", { type: "u32", value: 1 }],
    ["tokenizer.ggml.eos_token_id", { type: "u32", value: eosId }],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: true }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
  ];

  const out = new Bytes();
  out.push(Buffer.from("GGUF", "ascii"));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(meta.length);
  for (const [key, m] of meta) writeMeta(out, key, m);
  let offset = 0;
  for (const t of tensors) {
    out.str(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(GGML_F32);
    out.u64(offset);
    offset += Math.ceil(t.data.byteLength / ALIGNMENT) * ALIGNMENT;
  }
  out.padTo(ALIGNMENT);
  for (const t of tensors) {
    out.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    out.padTo(ALIGNMENT);
  }
  const file = Buffer.concat(out.parts);
  writeFileSync(path, file);
  return { vocabSize: vocab, bosId: 1, eosId, unkId: 0, tokens, fileBytes: file.length };
}
