// Regenerates ../resources/cid/ipld-unixfs-vectors.json: the same CIDs as kubo-vectors.json, computed by a second,
// independent UnixFS encoder, @ipld/unixfs (the one ipfs-car uses), set to Kubo's defaults; plus the CIDs that
// `ipfs-car pack` gives with its own defaults (1 MiB chunks, 1024 links per node, raw leaves, CIDv1). The Java test
// dev.tandem.core.cid.UnixFsTest rebuilds the same files (xorshift32, see generate.mjs) and compares.
//
// Usage (from this folder): npm ci && node generate-ipld-unixfs.mjs

import { writeFile, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import * as UnixFS from '@ipld/unixfs'
import { withMaxChunkSize } from '@ipld/unixfs/file/chunker/fixed'
import { withWidth } from '@ipld/unixfs/file/layout/balanced'
import * as raw from 'multiformats/codecs/raw'
import { CID } from 'multiformats/cid'

const here = dirname(fileURLToPath(import.meta.url))
const out = join(here, '..', 'resources', 'cid', 'ipld-unixfs-vectors.json')

const KiB = 1024
const MiB = KiB * KiB
const CHUNK = 256 * KiB
const SEED = 0x1234abcd

/** The xorshift32 stream of generate.mjs, in pieces. */
function * xorshift32 (seed, size) {
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

function * content (v) {
  if (v.hex !== undefined) {
    yield Uint8Array.from(Buffer.from(v.hex, 'hex'))
  } else {
    yield * xorshift32(Number(v.seed), v.size)
  }
}

// A CIDv0 links dag-pb nodes as CIDv0 and, like Kubo, raw leaves as CIDv1.
const v0Linker = { createLink: (code, digest) => code === 0x70 ? CID.createV0(digest) : CID.createV1(code, digest) }
const kubo = { chunker: withMaxChunkSize(CHUNK), fileLayout: withWidth(174) }
const rawLeaves = { fileChunkEncoder: raw, smallFileEncoder: raw }
const columns = {
  v0: UnixFS.configure({ ...kubo, linker: v0Linker }),
  v1: UnixFS.configure({ ...kubo }),
  v1RawLeaves: UnixFS.configure({ ...kubo, ...rawLeaves }),
  ipfsCarPack: UnixFS.configure({ ...rawLeaves, chunker: withMaxChunkSize(MiB), fileLayout: withWidth(1024) })
}

async function rootOf (v, settings) {
  const { readable, writable } = new TransformStream({}, UnixFS.withCapacity(1 << 30))
  const drained = (async () => { for await (const _ of readable) { /* blocks are not needed, only the root */ } })()
  const writer = UnixFS.createWriter({ writable, settings })
  const file = UnixFS.createFileWriter(writer)
  for (const piece of content(v)) await file.write(piece)
  const { cid } = await file.close()
  await writer.close()
  await drained
  return cid.toString()
}

const seed = '0x' + SEED.toString(16)
const files = [
  { name: 'empty', hex: '' },
  { name: 'one byte', hex: '61' },
  { name: 'wasm header', hex: '0061736d01000000' },
  { name: 'one full chunk', seed, size: CHUNK },
  { name: 'one chunk + 1', seed, size: CHUNK + 1 },
  { name: '1,000,003 bytes', seed, size: 1_000_003 },
  { name: '1 MiB + 1', seed, size: MiB + 1 },
  { name: '5 MiB', seed, size: 5 * MiB },
  { name: 'two levels: 174 chunks + 1', seed, size: 174 * CHUNK + 1 }
].map(v => ({ ...v, size: v.size ?? v.hex.length / 2 }))

const pkg = JSON.parse(await readFile(join(here, 'node_modules', '@ipld', 'unixfs', 'package.json'), 'utf8'))
const result = {
  generator: `@ipld/unixfs ${pkg.version}; regenerate with core/src/test/vectors/generate-ipld-unixfs.mjs`,
  prng: 'the xorshift32 stream of kubo-vectors.json',
  columns: {
    v0: 'ipfs add: 256 KiB chunks, 174 links, dag-pb leaves, CIDv0',
    v1: 'ipfs add --cid-version 1 --raw-leaves=false',
    v1RawLeaves: 'ipfs add --cid-version 1',
    ipfsCarPack: 'ipfs-car pack --no-wrap: 1 MiB chunks, 1024 links, raw leaves, CIDv1'
  },
  vectors: []
}
for (const v of files) {
  const row = { ...v }
  for (const [column, settings] of Object.entries(columns)) row[column] = await rootOf(v, settings)
  result.vectors.push(row)
  console.error(`${v.name}: done`)
}
await writeFile(out, JSON.stringify(result, null, 2) + '\n')
console.error(`wrote ${out}`)
