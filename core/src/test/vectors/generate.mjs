// Regenerates ../resources/cid/kubo-vectors.json: the CIDs that Kubo's `ipfs add` gives for a set of test files,
// computed with ipfs-only-hash (a JS port of Kubo's importer defaults). The Java tests in dev.tandem.core.cid
// rebuild the same files from this description and compare.
//
// Usage (from this folder): npm ci && node generate.mjs
//
// Content is either literal ("hex") or pseudo-random ("seed" + "size") so that large files need not be committed.
// The pseudo-random stream is xorshift32 (Marsaglia, shifts 13/17/5) on a 32-bit state that starts at the seed:
// each step updates the state and emits the new state as 4 little-endian bytes; the stream is cut at "size" bytes.
// core/src/test/java/dev/tandem/core/cid/Xorshift32.java implements the same stream.

import { writeFile, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import Hash from 'ipfs-only-hash'

const here = dirname(fileURLToPath(import.meta.url))
const out = join(here, '..', 'resources', 'cid', 'kubo-vectors.json')

const KiB = 1024
const CHUNK = 256 * KiB
const SEED = 0x1234abcd

/** xorshift32 byte stream, yielded in pieces so that the importer streams it like a file. */
async function * xorshift32 (seed, size) {
  let x = seed >>> 0
  const piece = 64 * KiB
  for (let done = 0; done < size; done += piece) {
    const n = Math.min(piece, size - done)
    const words = new DataView(new ArrayBuffer(Math.ceil(n / 4) * 4))
    for (let i = 0; i < words.byteLength; i += 4) {
      x ^= x << 13; x >>>= 0
      x ^= x >>> 17
      x ^= x << 5; x >>>= 0
      words.setUint32(i, x, true)
    }
    yield new Uint8Array(words.buffer, 0, n)
  }
}

function content (v) {
  if (v.hex !== undefined) return Uint8Array.from(Buffer.from(v.hex, 'hex'))
  return xorshift32(Number(v.seed), v.size)
}

// What each column reproduces, as ipfs-only-hash (ipfs-unixfs-importer) options:
//  v0          = `ipfs add`                                     (CIDv0, dag-pb leaves)
//  v1          = `ipfs add --cid-version 1 --raw-leaves=false`  (same DAG as v0, CIDv1 links)
//  v1RawLeaves = `ipfs add --cid-version 1`                     (Kubo turns raw leaves on with CIDv1)
//  v0RawLeaves = `ipfs add --raw-leaves`                        (CIDv0 root over CIDv1 raw leaves)
// The raw column is the CIDv1 raw sha2-256 of the whole file: one raw leaf whose chunk holds everything.
const kuboColumns = {
  v0: {},
  v1: { cidVersion: 1 },
  v1RawLeaves: { cidVersion: 1, rawLeaves: true },
  v0RawLeaves: { rawLeaves: true }
}

async function cids (v, params = {}) {
  const row = {}
  if (!params.maxChunkSize) {
    row.raw = await Hash.of(content(v), { cidVersion: 1, rawLeaves: true, maxChunkSize: v.size + 1 })
  }
  for (const [column, options] of Object.entries(kuboColumns)) {
    row[column] = await Hash.of(content(v), { ...options, ...params })
  }
  return row
}

const seed = '0x' + SEED.toString(16)
const files = [
  { name: 'empty', hex: '' },
  { name: 'one byte', hex: '61' },
  { name: 'wasm header', hex: '0061736d01000000' },
  { name: 'one full chunk', seed, size: CHUNK },
  { name: 'one chunk + 1', seed, size: CHUNK + 1 },
  { name: '5 MiB', seed, size: 5 * KiB * KiB },
  { name: 'two levels: 174 chunks + 1', seed, size: 174 * CHUNK + 1 }
].map(v => ({ ...v, size: v.size ?? v.hex.length / 2 }))

// Small chunks and fan-out exercise deep balanced trees cheaply; Kubo exposes both knobs
// (--chunker=size-N and Import.UnixFSFileMaxLinks), the layout code is the same.
const layoutParams = { maxChunkSize: 1 * KiB, maxChildrenPerNode: 3 }
const layoutFiles = [
  { name: '3 chunks: one full node', size: 3 * KiB },
  { name: '4 chunks', size: 3 * KiB + 1 },
  { name: '9 chunks: two full levels', size: 9 * KiB },
  { name: '10 chunks', size: 9 * KiB + 1 },
  { name: '29 chunks, last one short', size: 28 * KiB + 5 },
  { name: '80 chunks: one short of four full levels', size: 80 * KiB }
].map(v => ({ ...v, seed: '0x5eed' }))

const pkg = JSON.parse(await readFile(join(here, 'node_modules', 'ipfs-only-hash', 'package.json'), 'utf8'))
const importer = JSON.parse(await readFile(join(here, 'node_modules', 'ipfs-unixfs-importer', 'package.json'), 'utf8'))

const result = {
  generator: `ipfs-only-hash ${pkg.version} (ipfs-unixfs-importer ${importer.version}); regenerate with core/src/test/vectors/generate.mjs`,
  prng: 'xorshift32: x ^= x << 13; x ^= x >>> 17; x ^= x << 5 (32-bit), starting from seed; each new x is emitted as 4 little-endian bytes; cut at size',
  columns: {
    raw: 'CIDv1 raw sha2-256 of the whole file',
    v0: 'ipfs add; ipfs-only-hash {}',
    v1: 'ipfs add --cid-version 1 --raw-leaves=false; ipfs-only-hash {cidVersion: 1}',
    v1RawLeaves: 'ipfs add --cid-version 1 (raw leaves on by default with CIDv1); ipfs-only-hash {cidVersion: 1, rawLeaves: true}',
    v0RawLeaves: 'ipfs add --raw-leaves; ipfs-only-hash {rawLeaves: true}'
  },
  vectors: [],
  layout: { chunkSize: layoutParams.maxChunkSize, maxLinks: layoutParams.maxChildrenPerNode, vectors: [] }
}
for (const v of files) {
  result.vectors.push({ ...v, ...(await cids(v)) })
  console.error(`${v.name}: done`)
}
for (const v of layoutFiles) {
  result.layout.vectors.push({ ...v, ...(await cids(v, layoutParams)) })
}
await writeFile(out, JSON.stringify(result, null, 2) + '\n')
console.error(`wrote ${out}`)
