// Prints, as JSON, the CIDs that helia's UnixFS importer gives gridmask's CID test inputs.
// The output is committed as ../test-vectors/ipfs-cids.json and compared by tests/cids.rs.
//
//   cd primitives/scripts && npm ci && node cids.mjs > ../test-vectors/ipfs-cids.json
//
// Input i of length n is the bytes (k % 251) for k in 0..n (the same generator as the Rust test).
// `cid` is what gridmask uses: one raw block (cidVersion 1, rawLeaves, a 1 MiB chunker, i.e.
// `ipfs add --cid-version 1 --raw-leaves --chunker=size-1048576`). `cid_default_chunker` is what the
// importer gives with its default 256 KiB chunker: a dag-pb root for inputs above 256 KiB, whose
// CID is not the file's digest; it is recorded to document why gridmask pins the chunk size.
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { MemoryBlockstore } from 'blockstore-core/memory'

const MAX_REPORT_BYTES = 1048576

const inputs = [
  ['empty', 0],
  ['one byte', 1],
  ['100 KB', 100000],
  ['1 MB', 1000000],
  ['1 MiB (the limit)', MAX_REPORT_BYTES]
]

function bytes (n) {
  const out = new Uint8Array(n)
  for (let k = 0; k < n; k++) out[k] = k % 251
  return out
}

async function cidOf (content, options) {
  const blockstore = new MemoryBlockstore()
  let root
  for await (const entry of importer([{ content }], blockstore, { cidVersion: 1, rawLeaves: true, ...options })) {
    root = entry.cid
  }
  return root.toString()
}

const out = []
for (const [name, size] of inputs) {
  const content = bytes(size)
  out.push({
    name,
    size,
    cid: await cidOf(content, { chunker: fixedSize({ chunkSize: MAX_REPORT_BYTES }) }),
    cid_default_chunker: await cidOf(content, {})
  })
}
console.log(JSON.stringify({
  generator: 'primitives/scripts/cids.mjs (ipfs-unixfs-importer 17.1.1, blockstore-core 7.0.1)',
  inputs: 'byte k of an input is k % 251',
  cids: out
}, null, 2))
