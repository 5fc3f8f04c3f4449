// Helpers shared by the interop scripts: a tiny TAP reporter, RFC 8785
// canonical JSON for the objects we build, RFC 9162 proof verification and
// signed-note parsing. Independent of cairn's C code on purpose: these are a
// second implementation to compare the server against.
import crypto from 'node:crypto';

export class Tap {
  constructor(prefix = '') {
    this.prefix = prefix;
    this.n = 0;
    this.passed = 0;
    this.failed = 0;
  }
  ok(cond, name, detail) {
    this.n++;
    if (cond) {
      this.passed++;
      console.log(`ok ${this.n} - ${this.prefix}${name}`);
    } else {
      this.failed++;
      console.log(`not ok ${this.n} - ${this.prefix}${name}`);
      if (detail !== undefined) diag(detail);
    }
    return !!cond;
  }
  // Runs fn (sync or async); passes when it does not throw.
  async doesNotThrow(name, fn) {
    try {
      await fn();
      return this.ok(true, name);
    } catch (e) {
      return this.ok(false, name, errText(e));
    }
  }
  // Runs fn; passes when it throws (optionally an error matching re).
  async throws(name, fn, re) {
    try {
      await fn();
    } catch (e) {
      const msg = errText(e);
      if (re && !re.test(msg)) {
        return this.ok(false, name, `threw, but not ${re}: ${msg}`);
      }
      return this.ok(true, `${name} (${firstLine(msg)})`);
    }
    return this.ok(false, name, 'did not throw');
  }
  end() {
    console.log(`1..${this.n}`);
    console.log(`${this.passed} passed, ${this.failed} failed`);
    return this.failed === 0 ? 0 : 1;
  }
}

export function diag(text) {
  for (const line of String(text).split('\n')) console.log(`#   ${line}`);
}

export function errText(e) {
  if (!e) return String(e);
  let s = e.code ? `${e.code}: ${e.message}` : e.stack || e.message || String(e);
  if (e.cause) s += `\ncause: ${errText(e.cause)}`;
  return s;
}

function firstLine(s) {
  return String(s).split('\n')[0].slice(0, 160);
}

// RFC 8785 for JSON made of objects, arrays, strings, integers, booleans and
// null (all the entries we build need). JSON.stringify already escapes
// strings the way RFC 8785 does.
export function canonicalize(v) {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalize).join(',')}]`;
  const keys = Object.keys(v).sort((a, b) => {
    // RFC 8785 sorts by UTF-16 code units, which is JS's default string order.
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalize(v[k])}`).join(',')}}`;
}

export const sha256 = (...parts) => {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export const leafHash = (body) => sha256(Buffer.from([0]), body);
const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r);

function checkHashes(hs) {
  for (const h of hs) {
    if (!Buffer.isBuffer(h) || h.length !== 32) throw new Error('hash is not 32 bytes');
  }
}

// RFC 9162 §2.1.3.2: root from an inclusion proof; throws when malformed.
export function rootFromInclusionProof(index, size, leaf, proof) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn || fn < 0n) throw new Error(`index ${index} not below size ${size}`);
  checkHashes([leaf, ...proof]);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new Error('inclusion proof too long');
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new Error('inclusion proof too short');
  return r;
}

// RFC 9162 §2.1.4.2: checks a consistency proof between two roots.
export function verifyConsistency(size1, size2, root1, root2, proof) {
  size1 = BigInt(size1);
  size2 = BigInt(size2);
  checkHashes(proof);
  if (size1 > size2) throw new Error('size1 > size2');
  if (size1 === size2) {
    if (proof.length !== 0) throw new Error('non-empty proof for equal sizes');
    if (!root1.equals(root2)) throw new Error('roots differ for equal sizes');
    return;
  }
  if (size1 === 0n) {
    if (proof.length !== 0) throw new Error('non-empty proof from size 0');
    return;
  }
  if (proof.length === 0) throw new Error('empty consistency proof');
  checkHashes([root1, root2]);
  let p = proof.slice();
  // If size1 is an exact power of two, prepend root1.
  if ((size1 & (size1 - 1n)) === 0n) p = [root1, ...p];
  let fn = size1 - 1n;
  let sn = size2 - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = p[0];
  let sr = p[0];
  for (const c of p.slice(1)) {
    if (sn === 0n) throw new Error('consistency proof too long');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new Error('consistency proof too short');
  if (!fr.equals(root1)) throw new Error('consistency proof: old root mismatch');
  if (!sr.equals(root2)) throw new Error('consistency proof: new root mismatch');
}

// Splits a signed note into its body (ending in "\n") and signature lines,
// following C2SP signed-note (em dash, name, base64(hint || sig)).
export function parseNote(text) {
  const sep = text.lastIndexOf('\n\n');
  if (sep < 0) throw new Error('signed note: no blank line');
  const body = text.slice(0, sep + 1);
  const sigText = text.slice(sep + 2);
  if (!sigText.endsWith('\n')) throw new Error('signed note: no final newline');
  const sigs = sigText
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!m) throw new Error(`signed note: bad signature line ${JSON.stringify(line)}`);
      const raw = Buffer.from(m[2], 'base64');
      if (raw.length < 5) throw new Error('signed note: signature too short');
      return { name: m[1], hint: raw.subarray(0, 4), sig: raw.subarray(4) };
    });
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw new Error('checkpoint: fewer than 3 lines');
  if (!/^[0-9]+$/.test(lines[1])) throw new Error(`checkpoint: bad size ${lines[1]}`);
  return {
    body,
    sigs,
    origin: lines[0],
    size: BigInt(lines[1]),
    root: Buffer.from(lines[2], 'base64'),
    rootB64: lines[2],
    extra: lines.slice(3),
  };
}

// Verifies that the note carries a valid ECDSA signature by the log key
// (key hint = logID[0:4]) under the given signer name.
export function noteHasLogSignature(note, name, logKey, logID) {
  return note.sigs.some(
    (s) =>
      s.name === name &&
      s.hint.equals(logID.subarray(0, 4)) &&
      crypto.verify('sha256', Buffer.from(note.body, 'utf8'), logKey, s.sig),
  );
}

// fetch with a timeout and a readable error.
export async function get(url, opts = {}) {
  const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeout ?? 10000), ...opts });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

export async function getJSON(url) {
  const r = await get(url);
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}: ${r.text.slice(0, 300)}`);
  try {
    return JSON.parse(r.text);
  } catch (e) {
    throw new Error(`GET ${url}: not JSON: ${r.text.slice(0, 300)}`);
  }
}

// The log's public key, its DER SPKI and logID (sha256 of the DER).
export async function fetchLogKey(base) {
  const r = await get(`${base}/api/v1/log/publicKey`);
  if (r.status !== 200) throw new Error(`GET /api/v1/log/publicKey: HTTP ${r.status}: ${r.text.slice(0, 300)}`);
  const key = crypto.createPublicKey(r.text);
  const der = key.export({ type: 'spki', format: 'der' });
  return { pem: r.text, key, der, logID: sha256(der), contentType: r.headers.get('content-type') };
}

export function requireEnv(name) {
  const v = process.env[name];
  if (!v) {
    console.log(`not ok 1 - environment variable ${name} is not set`);
    console.log('0 passed, 1 failed');
    process.exit(2);
  }
  return v;
}
