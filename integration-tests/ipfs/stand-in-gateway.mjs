// A trustless IPFS gateway that is not Tandem, for the interoperability tests: it encodes FILE with ipfs-car's
// UnixFS encoder (raw leaves, CIDv1; 1 KiB chunks and 4 links per node so that even a small module becomes a
// DAG of several levels) and answers GET /ipfs/{cid}?format=raw with one block and GET /ipfs/{root}?format=car
// (or Accept: application/vnd.ipld.car) with a CARv1 made by ipfs-car's CAREncoderStream, blocks in the order the
// encoder made them (order=unk). It prints one JSON line {"url", "root", "blocks"} and serves until killed.
//
// Usage: node stand-in-gateway.mjs FILE [PORT]

import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { createFileEncoderStream, CAREncoderStream } from 'ipfs-car'
import * as UnixFS from '@ipld/unixfs'
import { withMaxChunkSize } from '@ipld/unixfs/file/chunker/fixed'
import { withWidth } from '@ipld/unixfs/file/layout/balanced'
import * as raw from 'multiformats/codecs/raw'
import { CID } from 'multiformats/cid'

const [file, port = '0'] = process.argv.slice(2)
const bytes = await readFile(file)
const settings = UnixFS.configure({
  fileChunkEncoder: raw,
  smallFileEncoder: raw,
  chunker: withMaxChunkSize(1024),
  fileLayout: withWidth(4)
})

const blocks = []
await createFileEncoderStream(new Blob([bytes]), settings)
  .pipeTo(new WritableStream({ write (block) { blocks.push(block) } }))
const root = blocks[blocks.length - 1].cid
const byCid = new Map(blocks.map(b => [b.cid.toString(), b]))

async function car (rootCid) {
  const chunks = []
  await new ReadableStream({
    pull (controller) {
      for (const b of blocks) controller.enqueue(b)
      controller.close()
    }
  }).pipeThrough(new CAREncoderStream([rootCid]))
    .pipeTo(new WritableStream({ write (chunk) { chunks.push(chunk) } }))
  return Buffer.concat(chunks)
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost')
  const match = url.pathname.match(/^\/ipfs\/([^/]+)\/?$/)
  let cid
  try {
    cid = match && CID.parse(match[1])
  } catch { cid = null }
  const block = cid && byCid.get(cid.toV1().toString())
  if (!block) {
    res.writeHead(cid ? 404 : 400, { 'Content-Type': 'text/plain' }).end('not here')
    return
  }
  const accept = req.headers.accept ?? ''
  const format = url.searchParams.get('format') ??
    (accept.includes('application/vnd.ipld.car') ? 'car' : accept.includes('application/vnd.ipld.raw') ? 'raw' : '')
  if (format === 'raw') {
    res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.raw' }).end(block.bytes)
  } else if (format === 'car' && cid.toV1().equals(root)) {
    res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.car; version=1; order=unk; dups=n' })
      .end(await car(cid))
  } else {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end('only format=raw, or format=car of the root')
  }
})
server.listen(Number(port), '127.0.0.1', () => {
  const { port } = server.address()
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}`, root: root.toString(), blocks: blocks.length }))
})
