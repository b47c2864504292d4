/** SHA-256 over UTF-8 text, in plain TypeScript: the core stays free of Node APIs. */
// Int32 throughout: the round arithmetic stays in small integers (a Uint32Array element above
// 2^31 would be a heap number and push the whole loop onto doubles).
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
])
const W = new Int32Array(64)
const H = new Int32Array(8)
const encoder = new TextEncoder()
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"))

const hex = (x: number) => `${HEX[(x >>> 24) & 0xff]}${HEX[(x >>> 16) & 0xff]}${HEX[(x >>> 8) & 0xff]}${HEX[x & 0xff]}`

// One buffer for every call (grown when needed): hashing allocates nothing but the result.
let buffer = new Uint8Array(1024)

/** Writes the message's UTF-8 bytes into `buffer` (ASCII directly) and returns its length. */
const load = (text: string): number => {
  const n = text.length
  if (buffer.length < n + 72) buffer = new Uint8Array(Math.max(buffer.length * 2, n + 72))
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c > 0x7f) {
      const bytes = encoder.encode(text)
      if (buffer.length < bytes.length + 72) buffer = new Uint8Array(bytes.length * 2 + 72)
      buffer.set(bytes)
      return bytes.length
    }
    buffer[i] = c
  }
  return n
}

export const sha256Hex = (text: string): string => {
  const length = load(text)
  const blocks = Math.ceil((length + 9) / 64)
  const padded = buffer
  padded.fill(0, length, blocks * 64)
  padded[length] = 0x80
  const bits = length * 8
  const end = blocks * 64
  padded[end - 5] = Math.floor(bits / 0x100000000) & 0xff
  padded[end - 4] = (bits >>> 24) & 0xff
  padded[end - 3] = (bits >>> 16) & 0xff
  padded[end - 2] = (bits >>> 8) & 0xff
  padded[end - 1] = bits & 0xff
  H[0] = 0x6a09e667
  H[1] = 0xbb67ae85 | 0
  H[2] = 0x3c6ef372
  H[3] = 0xa54ff53a | 0
  H[4] = 0x510e527f
  H[5] = 0x9b05688c | 0
  H[6] = 0x1f83d9ab
  H[7] = 0x5be0cd19
  for (let offset = 0; offset < end; offset += 64) {
    for (let i = 0; i < 16; i++) {
      const j = offset + i * 4
      W[i] =
        ((padded[j] as number) << 24) |
        ((padded[j + 1] as number) << 16) |
        ((padded[j + 2] as number) << 8) |
        (padded[j + 3] as number)
    }
    for (let i = 16; i < 64; i++) {
      const a = W[i - 15] as number
      const b = W[i - 2] as number
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10)
      W[i] = ((W[i - 16] as number) + s0 + (W[i - 7] as number) + s1) | 0
    }
    let a = H[0] as number
    let b = H[1] as number
    let c = H[2] as number
    let d = H[3] as number
    let e = H[4] as number
    let f = H[5] as number
    let g = H[6] as number
    let h = H[7] as number
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const ch = (e & f) ^ (~e & g)
      const t1 = (h + S1 + ch + (K[i] as number) + (W[i] as number)) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const maj = (a & b) ^ (a & c) ^ (b & c)
      const t2 = (S0 + maj) | 0
      h = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    H[0] = ((H[0] as number) + a) | 0
    H[1] = ((H[1] as number) + b) | 0
    H[2] = ((H[2] as number) + c) | 0
    H[3] = ((H[3] as number) + d) | 0
    H[4] = ((H[4] as number) + e) | 0
    H[5] = ((H[5] as number) + f) | 0
    H[6] = ((H[6] as number) + g) | 0
    H[7] = ((H[7] as number) + h) | 0
  }
  let out = ""
  for (let i = 0; i < 8; i++) out += hex(H[i] as number)
  return out
}
