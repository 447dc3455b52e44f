// A scripted automerge-repo peer for Zhiban's interoperability tests: the official JavaScript client,
// unchanged, driven by one JSON command per line on stdin, answering one JSON line per command on stdout.
//
//   node peer.mjs ws://127.0.0.1:PORT/sync
//
// Commands: create {doc, timeout_ms?} · find {url} · set {url, key, value} · get {url}
//           wait {url, key, value, timeout_ms} · broadcast {url, message} · ephemeral {url, timeout_ms} · quit
import { createInterface } from "node:readline"
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const [syncUrl] = process.argv.slice(2)
const repo = new Repo({ network: [new WebSocketClientAdapter(syncUrl)] })
const handles = new Map()
const ephemeral = new Map() // url -> received messages not yet taken

const reply = (value) => process.stdout.write(JSON.stringify(value) + "\n")
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const plain = (doc) => JSON.parse(JSON.stringify(doc))

function track(handle) {
  handles.set(handle.url, handle)
  ephemeral.set(handle.url, [])
  handle.on("ephemeral-message", ({ senderId, message }) => ephemeral.get(handle.url).push({ senderId, message }))
  return handle
}

// The server announces a storage id; once its heads for the document equal ours, the server has stored
// our changes (it only sends heads it has made durable).
async function confirmed(handle, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const peer = repo.peers[0]
    const storageId = peer && repo.getStorageIdOfPeer(peer)
    const theirs = storageId && handle.getSyncInfo(storageId)?.lastHeads
    if (theirs && JSON.stringify([...theirs].sort()) === JSON.stringify([...handle.heads()].sort())) return
    await sleep(20)
  }
  throw new Error("the server did not confirm the change in time")
}

async function handleFor(url) {
  return handles.get(url) ?? track(await repo.find(url))
}

const commands = {
  async create({ doc, timeout_ms }) {
    const handle = track(repo.create(doc))
    await confirmed(handle, timeout_ms)
    return { url: handle.url }
  },
  async find({ url }) {
    const handle = await handleFor(url)
    return { doc: plain(handle.doc()) }
  },
  async get({ url }) {
    return { doc: plain((await handleFor(url)).doc()) }
  },
  async set({ url, key, value, timeout_ms }) {
    const handle = await handleFor(url)
    handle.change((d) => {
      d[key] = value
    })
    await confirmed(handle, timeout_ms)
    return { ok: true }
  },
  async wait({ url, key, value, timeout_ms }) {
    const handle = await handleFor(url)
    const deadline = Date.now() + (timeout_ms ?? 10000)
    while (Date.now() < deadline) {
      const doc = plain(handle.doc())
      if (JSON.stringify(doc[key]) === JSON.stringify(value)) return { doc }
      await sleep(20)
    }
    return { error: `timeout waiting for ${key} = ${JSON.stringify(value)}`, doc: plain(handle.doc()) }
  },
  async broadcast({ url, message }) {
    ;(await handleFor(url)).broadcast(message)
    return { ok: true }
  },
  async ephemeral({ url, timeout_ms }) {
    await handleFor(url)
    const deadline = Date.now() + (timeout_ms ?? 10000)
    while (Date.now() < deadline) {
      const received = ephemeral.get(url)
      if (received.length > 0) return received.shift()
      await sleep(20)
    }
    return { error: "no ephemeral message" }
  },
  async peer() {
    await repo.networkSubsystem.whenReady()
    return { peerId: repo.peerId, peers: repo.peers }
  },
}

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  if (!line.trim()) continue
  const command = JSON.parse(line)
  if (command.cmd === "quit") break
  try {
    const run = commands[command.cmd]
    if (!run) throw new Error(`unknown command ${command.cmd}`)
    reply(await run(command))
  } catch (error) {
    reply({ error: String(error?.message ?? error) })
  }
}
await repo.shutdown().catch(() => {})
process.exit(0)
