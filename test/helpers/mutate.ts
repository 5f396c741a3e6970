/** Byte mutations of real inputs for the fuzz tests (seeded: see random.ts). */
import { randomInt as int, randomPick as pick, type Rnd } from './random.js';

export interface MutationLimits {
  /** Edits per mutation: 1 to this many. */
  edits: number;
  /** Longest range duplicated or removed. */
  range: number;
  /** Longest run of random bytes inserted. */
  insert: number;
  /** Bytes that mean something to the reader (0x00, 0xff, newline, digits...). */
  special: readonly number[];
}

/** `src` with 1 to `edits` edits: a bit flipped, a special byte, cut short, a range doubled or removed, a run filled or inserted. */
export function byteMutation(rnd: Rnd, src: Uint8Array, o: MutationLimits): Buffer {
  let b = Buffer.from(src);
  for (let k = 1 + int(rnd, o.edits); k > 0; k--) {
    if (b.length === 0) return Buffer.from([int(rnd, 256)]);
    const at = int(rnd, b.length);
    const len = 1 + int(rnd, Math.min(o.range, b.length - at));
    switch (int(rnd, 7)) {
      case 0:
        b[at]! ^= 1 << int(rnd, 8);
        break;
      case 1:
        b[at] = pick(rnd, o.special);
        break;
      case 2:
        b = b.subarray(0, at);
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
        break;
      case 4:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
        break;
      case 5:
        b.fill(pick(rnd, o.special), at, Math.min(b.length, at + 1 + int(rnd, 64)));
        break;
      default:
        b = Buffer.concat([
          b.subarray(0, at),
          Buffer.from(Array.from({ length: 1 + int(rnd, o.insert) }, () => int(rnd, 256))),
          b.subarray(at),
        ]);
    }
  }
  return b;
}
