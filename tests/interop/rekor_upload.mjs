// Fills a running cairnd with COUNT distinct hashedrekord entries through the
// Rekor v1 REST API (keep-alive, a few requests in flight) and checks every
// response the way a Rekor client would: status, headers, canonical body,
// IDs, SET, inclusion proof and checkpoint. Then checks the read endpoints
// against what was uploaded. Ends with "N passed, M failed".
//
// Usage: CAIRN_URL=http://127.0.0.1:PORT [CAIRN_NAME=127.0.0.1] node rekor_upload.mjs [COUNT] [CONCURRENCY]
import crypto from 'node:crypto';
import {
  Tap,
  diag,
  canonicalize,
  sha256,
  leafHash,
  rootFromInclusionProof,
  verifyConsistency,
  parseNote,
  noteHasLogSignature,
  get,
  getJSON,
  fetchLogKey,
  requireEnv,
  errText,
} from './lib.mjs';

const base = requireEnv('CAIRN_URL').replace(/\/+$/, '');
const name = process.env.CAIRN_NAME || '127.0.0.1';
const COUNT = Number(process.argv[2] || 1000);
const CONC = Number(process.argv[3] || 8);
const t = new Tap('rekor: ');
const HEX64 = /^[0-9a-f]{64}$/;

async function post(path, body, headers = {}) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(20000),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

// Collects per-category failures so that 1,000 responses give a handful of
// TAP lines, each with the first few offending examples.
class Tally {
  constructor() {
    this.bad = new Map();
  }
  check(cat, cond, example) {
    if (!this.bad.has(cat)) this.bad.set(cat, []);
    if (!cond) this.bad.get(cat).push(example);
    return cond;
  }
  report(tap) {
    for (const [cat, ex] of this.bad) {
      tap.ok(ex.length === 0, `${cat} (all ${COUNT} uploads)`,
        ex.length ? `${ex.length} failures; first: \n${ex.slice(0, 3).map((e) => String(e).slice(0, 1200)).join('\n---\n')}` : undefined);
    }
  }
}

function makeEntries(n) {
  const keys = [0, 1].map(() => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return { privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }) };
  });
  const nonce = crypto.randomBytes(8).toString('hex');
  const out = [];
  for (let i = 0; i < n; i++) {
    const k = keys[i % keys.length];
    const artifact = Buffer.from(`cairn interop artifact ${nonce} #${i}\n`);
    const digest = sha256(artifact).toString('hex');
    const sig = crypto.sign('sha256', artifact, k.privateKey); // ASN.1 DER
    const proposed = {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: digest } },
        signature: {
          content: sig.toString('base64'),
          publicKey: { content: Buffer.from(k.pem).toString('base64') },
        },
      },
    };
    out.push({ i, digest, proposed, key: k, canonical: canonicalize(proposed) });
  }
  return { keys, entries: out };
}

function verifyLogEntry(obj, ctx) {
  // Returns a list of problems with one LogEntry response object.
  const probs = [];
  const ids = Object.keys(obj || {});
  if (ids.length !== 1) return [`LogEntry must have exactly one key, has ${ids.length}`];
  const id = ids[0];
  const e = obj[id];
  if (!/^[0-9a-f]{80}$/.test(id)) probs.push(`entryID not 80 hex: ${id}`);
  if (id.slice(0, 16) !== ctx.treeHex) probs.push(`entryID prefix ${id.slice(0, 16)} != tree ID hex ${ctx.treeHex}`);
  const body = Buffer.from(e.body || '', 'base64');
  if (id.slice(16) !== leafHash(body).toString('hex')) probs.push('entryID UUID != sha256(0x00||body)');
  if (ctx.canonical !== undefined && body.toString('utf8') !== ctx.canonical) {
    probs.push(`body is not the canonical entry:\n got  ${body.toString('utf8')}\n want ${ctx.canonical}`);
  }
  if (e.logID !== ctx.logIDHex) probs.push(`logID ${e.logID} != sha256(DER SPKI) ${ctx.logIDHex}`);
  if (!Number.isInteger(e.logIndex) || e.logIndex < 0) probs.push(`logIndex not a non-negative integer: ${e.logIndex}`);
  if (!Number.isInteger(e.integratedTime)) probs.push(`integratedTime not an integer: ${e.integratedTime}`);
  else if (Math.abs(e.integratedTime - Date.now() / 1000) > 3600) probs.push(`integratedTime far from now: ${e.integratedTime}`);
  const v = e.verification;
  if (!v) return [...probs, 'no verification object'];
  // SET: ECDSA over JCS {body, integratedTime, logID, logIndex}.
  const payload = canonicalize({ body: e.body, integratedTime: e.integratedTime, logID: e.logID, logIndex: e.logIndex });
  let setOK = false;
  try {
    setOK = crypto.verify('sha256', Buffer.from(payload), ctx.logKey, Buffer.from(v.signedEntryTimestamp || '', 'base64'));
  } catch (err) {
    probs.push(`SET verify threw: ${err.message}`);
  }
  if (!setOK) probs.push(`signedEntryTimestamp does not verify over ${payload.slice(0, 120)}...`);
  const p = v.inclusionProof;
  if (!p) return [...probs, 'no verification.inclusionProof'];
  if (p.logIndex !== e.logIndex) probs.push(`inclusionProof.logIndex ${p.logIndex} != logIndex ${e.logIndex}`);
  if (!Number.isInteger(p.treeSize) || p.treeSize <= e.logIndex) probs.push(`bad inclusionProof.treeSize ${p.treeSize}`);
  if (!Array.isArray(p.hashes)) probs.push('inclusionProof.hashes missing (must be [] when empty)');
  else if (!p.hashes.every((h) => HEX64.test(h))) probs.push('inclusionProof.hashes not all 64 lowercase hex');
  if (!HEX64.test(p.rootHash || '')) probs.push(`inclusionProof.rootHash not 64 lowercase hex: ${p.rootHash}`);
  if (probs.length) return probs;
  try {
    const root = rootFromInclusionProof(p.logIndex, p.treeSize, leafHash(body), p.hashes.map((h) => Buffer.from(h, 'hex')));
    if (root.toString('hex') !== p.rootHash) probs.push('inclusion proof does not lead to rootHash');
  } catch (err) {
    probs.push(`inclusion proof malformed: ${err.message}`);
  }
  try {
    const note = parseNote(p.checkpoint || '');
    if (note.origin !== ctx.origin) probs.push(`checkpoint origin ${JSON.stringify(note.origin)} != ${JSON.stringify(ctx.origin)}`);
    if (note.size !== BigInt(p.treeSize)) probs.push(`checkpoint size ${note.size} != treeSize ${p.treeSize}`);
    if (note.root.toString('hex') !== p.rootHash) probs.push('checkpoint root != rootHash');
    if (!noteHasLogSignature(note, name, ctx.logKey, ctx.logID)) {
      probs.push(`checkpoint has no valid "— ${name} <logID[0:4]||ECDSA sig>" line:\n${p.checkpoint}`);
    }
  } catch (err) {
    probs.push(`checkpoint: ${err.message}\n${p.checkpoint}`);
  }
  return probs;
}

async function main() {
  let logKey;
  try {
    logKey = await fetchLogKey(base);
  } catch (e) {
    t.ok(false, 'GET /api/v1/log/publicKey', errText(e));
    return t.end();
  }
  t.ok(/application\/x-pem-file/.test(logKey.contentType || ''), 'publicKey Content-Type is application/x-pem-file', logKey.contentType);
  t.ok(logKey.key.asymmetricKeyType === 'ec' && logKey.key.asymmetricKeyDetails?.namedCurve === 'prime256v1',
    'log key is ECDSA P-256', `${logKey.key.asymmetricKeyType} ${JSON.stringify(logKey.key.asymmetricKeyDetails)}`);
  const info0 = await getJSON(`${base}/api/v1/log`);
  const treeID = info0.treeID;
  t.ok(typeof treeID === 'string' && /^[1-9][0-9]*$/.test(treeID), 'GET /api/v1/log treeID is a decimal string', JSON.stringify(info0));
  const ctx = {
    logKey: logKey.key,
    logID: logKey.logID,
    logIDHex: logKey.logID.toString('hex'),
    treeHex: BigInt(treeID).toString(16).padStart(16, '0'),
    origin: `${name} - ${treeID}`,
  };
  const startSize = info0.treeSize;

  const { keys, entries } = makeEntries(COUNT);
  const results = new Array(COUNT);
  let next = 0;
  const t0 = Date.now();
  async function worker() {
    while (next < COUNT) {
      const e = entries[next++];
      try {
        results[e.i] = await post('/api/v1/log/entries', e.proposed);
      } catch (err) {
        results[e.i] = { status: 0, error: errText(err), headers: new Headers(), text: '' };
      }
    }
  }
  await Promise.all(Array.from({ length: CONC }, worker));
  const secs = (Date.now() - t0) / 1000;
  diag(`uploaded ${COUNT} entries in ${secs.toFixed(1)} s (${(COUNT / secs).toFixed(0)}/s, ${CONC} in flight)`);

  const tally = new Tally();
  const indexes = new Map();
  const byIndex = [];
  for (const e of entries) {
    const r = results[e.i];
    const req = `POST /api/v1/log/entries ${JSON.stringify(e.proposed)}`;
    if (!tally.check('POST /api/v1/log/entries answers 201', r.status === 201, `${req}\n-> ${r.status} ${r.error || ''} ${r.text.slice(0, 500)}`)) continue;
    tally.check('201 Content-Type is application/json', /application\/json/.test(r.headers.get('content-type') || ''), r.headers.get('content-type'));
    let obj;
    try {
      obj = JSON.parse(r.text);
    } catch {
      tally.check('201 body is JSON', false, r.text.slice(0, 300));
      continue;
    }
    const id = Object.keys(obj)[0];
    tally.check('ETag header equals the entryID', r.headers.get('etag') === id, `ETag ${r.headers.get('etag')} id ${id}`);
    tally.check('Location header is /api/v1/log/entries/<entryID>', (r.headers.get('location') || '').endsWith(`/api/v1/log/entries/${id}`),
      `Location ${r.headers.get('location')} id ${id}`);
    const probs = verifyLogEntry(obj, { ...ctx, canonical: e.canonical });
    tally.check('LogEntry: IDs, canonical body, SET, inclusion proof, checkpoint', probs.length === 0, `${req}\n-> ${r.text.slice(0, 1500)}\nproblems:\n  ${probs.join('\n  ')}`);
    const ent = obj[id];
    if (ent && Number.isInteger(ent.logIndex)) {
      tally.check('logIndex unique', !indexes.has(ent.logIndex), `logIndex ${ent.logIndex} given twice`);
      indexes.set(ent.logIndex, { e, id, ent });
      byIndex.push(ent.logIndex);
    }
  }
  tally.report(t);
  const sorted = [...indexes.keys()].sort((a, b) => a - b);
  t.ok(sorted.length === COUNT && sorted[0] === startSize && sorted[COUNT - 1] === startSize + COUNT - 1,
    `logIndexes are exactly ${startSize}..${startSize + COUNT - 1}`, `got ${sorted.length} indexes from ${sorted[0]} to ${sorted[sorted.length - 1]}`);

  // GET /api/v1/log after the uploads.
  const info = await getJSON(`${base}/api/v1/log`);
  const size = info.treeSize;
  t.ok(size === startSize + COUNT, `GET /api/v1/log treeSize = ${startSize + COUNT}`, JSON.stringify(info).slice(0, 600));
  t.ok(HEX64.test(info.rootHash || '') && info.treeID === treeID && 'inactiveShards' in info && typeof info.signedTreeHead === 'string',
    'GET /api/v1/log has rootHash (hex), treeID, inactiveShards, signedTreeHead', JSON.stringify(info).slice(0, 600));
  let sth;
  try {
    sth = parseNote(info.signedTreeHead);
    t.ok(sth.origin === ctx.origin && sth.size === BigInt(size) && sth.root.toString('hex') === info.rootHash &&
      noteHasLogSignature(sth, name, ctx.logKey, ctx.logID), 'signedTreeHead: origin, size, root, log signature', info.signedTreeHead);
  } catch (e) {
    t.ok(false, 'signedTreeHead parses as a checkpoint', `${e.message}\n${info.signedTreeHead}`);
  }
  const curRoot = Buffer.from(info.rootHash, 'hex');

  // Consistency proofs from checkpoints handed out during the upload.
  const seen = new Map(); // size -> root from the upload responses' checkpoints
  for (const { ent } of indexes.values()) {
    const p = ent.verification?.inclusionProof;
    if (p && HEX64.test(p.rootHash || '')) seen.set(p.treeSize, p.rootHash);
  }
  const sizes = [...seen.keys()].sort((a, b) => a - b);
  const sample = [...new Set([sizes[0], sizes[1], sizes.find((s) => (s & (s - 1)) === 0), sizes[sizes.length >> 1], sizes[sizes.length - 1]])]
    .filter((s) => s !== undefined && s < size);
  let consBad = [];
  for (const s1 of sample) {
    const url = `${base}/api/v1/log/proof?firstSize=${s1}&lastSize=${size}`;
    try {
      const pr = await getJSON(url);
      if (pr.rootHash !== info.rootHash) throw new Error(`rootHash ${pr.rootHash} != current root ${info.rootHash}`);
      verifyConsistency(s1, size, Buffer.from(seen.get(s1), 'hex'), curRoot, (pr.hashes || []).map((h) => Buffer.from(h, 'hex')));
    } catch (e) {
      consBad.push(`GET ${url}: ${errText(e)}`);
    }
  }
  t.ok(sample.length > 0 && consBad.length === 0, `consistency proofs from ${sample.length} earlier checkpoints verify (RFC 9162)`, consBad.join('\n'));
  {
    const r1 = await get(`${base}/api/v1/log/proof?firstSize=${size}&lastSize=${size}`);
    let ok = r1.status === 200;
    try {
      const j = JSON.parse(r1.text);
      ok = ok && Array.isArray(j.hashes) && j.hashes.length === 0 && j.rootHash === info.rootHash;
    } catch {
      ok = false;
    }
    t.ok(ok, 'proof firstSize=lastSize gives 200, hashes [] and the root', `${r1.status} ${r1.text.slice(0, 300)}`);
    const r2 = await get(`${base}/api/v1/log/proof?firstSize=${size}&lastSize=${size - 1}`);
    t.ok(r2.status === 400, 'proof firstSize > lastSize gives 400', `${r2.status} ${r2.text.slice(0, 300)}`);
    const r3 = await get(`${base}/api/v1/log/proof?firstSize=1&lastSize=${size + 10}`);
    t.ok(r3.status === 400, 'proof lastSize beyond the tree gives 400', `${r3.status} ${r3.text.slice(0, 300)}`);
  }

  // Read back a sample by index, by UUID and by entryID.
  const picks = [startSize, startSize + 1, startSize + (COUNT >> 1), startSize + COUNT - 1].filter((i) => indexes.has(i));
  const readBad = [];
  for (const i of picks) {
    const { e, id } = indexes.get(i);
    for (const path of [`/api/v1/log/entries?logIndex=${i}`, `/api/v1/log/entries/${id}`, `/api/v1/log/entries/${id.slice(16)}`]) {
      try {
        const obj = await getJSON(`${base}${path}`);
        const k = Object.keys(obj)[0];
        if (k !== id) throw new Error(`key ${k} != ${id}`);
        if (obj[k].logIndex !== i) throw new Error(`logIndex ${obj[k].logIndex} != ${i}`);
        const probs = verifyLogEntry(obj, { ...ctx, canonical: e.canonical });
        if (probs.length) throw new Error(probs.join('; '));
      } catch (err) {
        readBad.push(`GET ${path}: ${errText(err)}`);
      }
    }
  }
  t.ok(readBad.length === 0, `GET entries by logIndex, entryID and UUID (${picks.length * 3} reads) verify`, readBad.join('\n'));
  {
    const r = await get(`${base}/api/v1/log/entries?logIndex=${size + 100}`);
    let j = {};
    try {
      j = JSON.parse(r.text);
    } catch {}
    t.ok(r.status === 404 && Number.isInteger(j.code) && typeof j.message === 'string' && /application\/json/.test(r.headers.get('content-type') || ''),
      'GET an absent logIndex gives 404 with a JSON {code,message}', `${r.status} ${r.headers.get('content-type')} ${r.text.slice(0, 300)}`);
    const r2 = await get(`${base}/api/v1/log/entries/${'ab'.repeat(32)}`);
    t.ok(r2.status === 404, 'GET an absent UUID gives 404', `${r2.status} ${r2.text.slice(0, 300)}`);
  }

  // Duplicate upload: 409 with the Location of the existing entry.
  if (indexes.has(startSize)) {
    const { e, id } = indexes.get(startSize);
    const r = await post('/api/v1/log/entries', e.proposed);
    let j = {};
    try {
      j = JSON.parse(r.text);
    } catch {}
    t.ok(r.status === 409 && (r.headers.get('location') || '').endsWith(`/api/v1/log/entries/${id}`) && j.code === 409 && String(j.message).includes(id),
      'duplicate upload gives 409, JSON code 409, message and Location naming the entryID',
      `${r.status} Location=${r.headers.get('location')} ${r.text.slice(0, 300)}`);
  }
  // A signature that does not verify over the digest: 400.
  {
    const bad = JSON.parse(JSON.stringify(entries[0].proposed));
    bad.spec.data.hash.value = sha256(Buffer.from('some other artifact')).toString('hex');
    const r = await post('/api/v1/log/entries', bad);
    let j = {};
    try {
      j = JSON.parse(r.text);
    } catch {}
    t.ok(r.status === 400 && Number.isInteger(j.code) && typeof j.message === 'string', 'a signature over another digest is refused with 400 {code,message}',
      `${r.status} ${r.text.slice(0, 300)}`);
  }

  // Retrieve endpoints.
  if (picks.length >= 2) {
    const [a, b] = picks;
    const ida = indexes.get(a).id;
    const idb = indexes.get(b).id;
    try {
      const r = await post('/api/v1/log/entries/retrieve', { logIndexes: [a, b] });
      const arr = JSON.parse(r.text);
      const got = Array.isArray(arr) ? arr.map((o) => Object.keys(o)[0]).sort() : [];
      t.ok(r.status === 200 && got.join() === [ida, idb].sort().join(), 'retrieve by logIndexes returns both LogEntries', `${r.status} ${r.text.slice(0, 400)}`);
    } catch (e) {
      t.ok(false, 'retrieve by logIndexes', errText(e));
    }
    try {
      const r = await post('/api/v1/log/entries/retrieve', { entryUUIDs: [ida, idb.slice(16)] });
      const arr = JSON.parse(r.text);
      const got = Array.isArray(arr) ? arr.map((o) => Object.keys(o)[0]).sort() : [];
      t.ok(r.status === 200 && got.join() === [ida, idb].sort().join(), 'retrieve by entryUUIDs (entryID and UUID) returns both', `${r.status} ${r.text.slice(0, 400)}`);
    } catch (e) {
      t.ok(false, 'retrieve by entryUUIDs', errText(e));
    }
    try {
      const r = await post('/api/v1/log/entries/retrieve', { logIndexes: [size + 1000] });
      t.ok(r.status === 200 && r.text.trim() === '[]', 'retrieve of an absent index returns []', `${r.status} ${r.text.slice(0, 300)}`);
    } catch (e) {
      t.ok(false, 'retrieve of an absent index', errText(e));
    }
    try {
      const { e, id } = indexes.get(a);
      const r = await post('/api/v1/index/retrieve', { hash: `sha256:${e.digest}` });
      const arr = JSON.parse(r.text);
      t.ok(r.status === 200 && Array.isArray(arr) && arr.some((x) => x === id || x === id.slice(16)),
        'index/retrieve by artifact hash finds the entry', `${r.status} ${r.text.slice(0, 400)} want ${id}`);
      const r2 = await post('/api/v1/index/retrieve', {
        publicKey: { format: 'x509', content: Buffer.from(keys[0].pem).toString('base64') },
      });
      const arr2 = JSON.parse(r2.text);
      const want = entries.filter((x) => x.key === keys[0]).length;
      t.ok(r2.status === 200 && Array.isArray(arr2) && arr2.length === want,
        `index/retrieve by public key finds all ${want} of its entries`, `${r2.status} ${arr2.length ?? ''} ${r2.text.slice(0, 300)}`);
    } catch (e) {
      t.ok(false, 'index/retrieve', errText(e));
    }
  }
  return t.end();
}

main().then(
  (rc) => process.exit(rc),
  (e) => {
    t.ok(false, 'uncaught error', errText(e));
    process.exit(t.end() || 1);
  },
);
