// Command sumdb_check reads a running cairnd through the C2SP tlog-tiles API
// with Go's own transparency-log code (golang.org/x/mod/sumdb/note and
// golang.org/x/mod/sumdb/tlog, the code behind sum.golang.org) and checks
// that what cairnd serves authenticates: the checkpoint's Ed25519 signature,
// every tile against the checkpoint's root, every entry bundle against the
// authenticated leaf hashes, record proofs, and that tampered tiles, entries
// and notes are refused. It also cross-checks the Rekor v1 API (entries and
// consistency proofs) against the tiles.
//
// Usage: sumdb_check BASE_URL VKEY|VKEY_FILE [LOG_PUB_PEM_FILE]
//
// Prints one line per check and ends with "N passed, M failed"; exits 1 on
// any failure.
//
// Build: GO111MODULE=off GOPATH=/usr/share/gocode go build -o sumdb_check sumdb_check.go
package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const tileHeight = 8 // C2SP tlog-tiles: 256-wide tiles

var (
	base    string
	client  = &http.Client{Timeout: 20 * time.Second}
	passed  int
	failed  int
	checkNo int
)

func ok(cond bool, name string, detail ...interface{}) bool {
	checkNo++
	if cond {
		passed++
		fmt.Printf("ok %d - go: %s\n", checkNo, name)
		return true
	}
	failed++
	fmt.Printf("not ok %d - go: %s\n", checkNo, name)
	if len(detail) > 0 {
		for _, l := range strings.Split(strings.TrimRight(fmt.Sprint(detail...), "\n"), "\n") {
			fmt.Printf("#   %s\n", l)
		}
	}
	return false
}

func okErr(err error, name string) bool {
	if err != nil {
		return ok(false, name, err.Error())
	}
	return ok(true, name)
}

// wantErr passes when err is non-nil.
func wantErr(err error, name string) bool {
	if err == nil {
		return ok(false, name, "no error")
	}
	return ok(true, fmt.Sprintf("%s (%s)", name, firstLine(err.Error())))
}

func firstLine(s string) string {
	s = strings.SplitN(s, "\n", 2)[0]
	if len(s) > 160 {
		s = s[:160]
	}
	return s
}

func finish() {
	if r := recover(); r != nil {
		ok(false, "no panic", fmt.Sprintf("%v\n%s", r, debug.Stack()))
	}
	fmt.Printf("1..%d\n", checkNo)
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
	os.Exit(0)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func get(path string) (*response, error) {
	resp, err := client.Get(base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading body: %v", path, err)
	}
	return &response{resp.StatusCode, resp.Header, b}, nil
}

func getOK(path string) ([]byte, error) {
	r, err := get(path)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d: %.300s", path, r.status, r.body)
	}
	return r.body, nil
}

// c2spPath maps a tlog.Tile (H=8) to its C2SP tlog-tiles URL path:
// /tile/<L>/<N>[.p/<W>] for hashes and /tile/entries/<N>[.p/<W>] for L=-1.
// Go's Tile.Path gives tile/8/<L|data>/<N>[.p/<W>] with the same N encoding.
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", t.H))
	if t.L == -1 {
		p = "entries/" + strings.TrimPrefix(p, "data/")
	}
	return "/tile/" + p
}

// httpTiles is a tlog.TileReader over cairnd's tile endpoints.
type httpTiles struct {
	fetched      int
	fullFallback int // partial tiles only found as full tiles
	log          []string
}

func (h *httpTiles) Height() int { return tileHeight }

func (h *httpTiles) readTile(t tlog.Tile) ([]byte, error) {
	path := c2spPath(t)
	r, err := get(path)
	if err != nil {
		return nil, err
	}
	h.fetched++
	if r.status == http.StatusNotFound && t.W < 1<<t.H {
		// C2SP lets a client read a wider tile and use its prefix.
		full := t
		full.W = 1 << t.H
		r2, err := get(c2spPath(full))
		if err == nil && r2.status == http.StatusOK {
			h.fullFallback++
			h.log = append(h.log, fmt.Sprintf("GET %s: 404, used %s", path, c2spPath(full)))
			r = r2
		}
	}
	if r.status != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d: %.200s", path, r.status, r.body)
	}
	if t.L >= 0 {
		want := t.W * tlog.HashSize
		if len(r.body) < want || len(r.body)%tlog.HashSize != 0 {
			return nil, fmt.Errorf("GET %s: %d bytes, want %d", path, len(r.body), want)
		}
		return r.body[:want], nil
	}
	return r.body, nil
}

func (h *httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := h.readTile(t)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (h *httpTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// tamperTiles wraps a TileReader and corrupts the data of tiles that match.
type tamperTiles struct {
	tlog.TileReader
	match  func(tlog.Tile) bool
	mutate func([]byte) []byte
	hits   int
}

func (t *tamperTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data, err := t.TileReader.ReadTiles(tiles)
	if err != nil {
		return nil, err
	}
	for i, tile := range tiles {
		if t.match(tile) {
			t.hits++
			data[i] = t.mutate(append([]byte(nil), data[i]...))
		}
	}
	return data, nil
}

// parseBundle splits a C2SP entry bundle: 2-byte big-endian length + bytes.
func parseBundle(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, errors.New("entry bundle: truncated length")
		}
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		if len(b) < n {
			return nil, fmt.Errorf("entry bundle: entry of %d bytes, %d left", n, len(b))
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out, nil
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// parseCheckpoint reads a C2SP checkpoint body: origin, decimal size,
// base64 root, then optional extension lines.
func parseCheckpoint(text string) (checkpoint, error) {
	var c checkpoint
	if !strings.HasSuffix(text, "\n") {
		return c, errors.New("checkpoint body does not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return c, fmt.Errorf("checkpoint body has %d lines, want >= 3", len(lines))
	}
	c.origin = lines[0]
	if c.origin == "" {
		return c, errors.New("empty origin")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return c, fmt.Errorf("bad size line %q", lines[1])
	}
	c.size = n
	r, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(r) != tlog.HashSize {
		return c, fmt.Errorf("bad root line %q", lines[2])
	}
	copy(c.root[:], r)
	return c, nil
}

func readVKey(arg string) (string, error) {
	if strings.Count(arg, "+") == 2 && !strings.ContainsAny(arg, "/\n") {
		return arg, nil
	}
	if b, err := os.ReadFile(arg); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	return strings.TrimSpace(arg), nil
}

// verifyECDSANoteSig checks the Rekor-style signature line of the log's
// ECDSA key: key hint = SHA-256(DER SPKI)[:4], ASN.1 signature over the body.
func verifyECDSANoteSig(pemFile string, n *note.Note) error {
	b, err := os.ReadFile(pemFile)
	if err != nil {
		return err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return fmt.Errorf("%s: no PEM block", pemFile)
	}
	pk, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return err
	}
	ek, isEC := pk.(*ecdsa.PublicKey)
	if !isEC {
		return fmt.Errorf("%s: not an ECDSA key", pemFile)
	}
	id := sha256.Sum256(blk.Bytes)
	hint := binary.BigEndian.Uint32(id[:4])
	digest := sha256.Sum256([]byte(n.Text))
	for _, s := range n.UnverifiedSigs {
		if s.Hash != hint {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(s.Base64)
		if err != nil || len(raw) < 5 {
			return fmt.Errorf("bad signature encoding for %s", s.Name)
		}
		if ecdsa.VerifyASN1(ek, digest[:], raw[4:]) {
			return nil
		}
		return fmt.Errorf("ECDSA signature by %s (hint %08x) does not verify", s.Name, hint)
	}
	return fmt.Errorf("no signature with the log key's hint %08x among %d unverified signatures", hint, len(n.UnverifiedSigs))
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: sumdb_check BASE_URL VKEY|VKEY_FILE [LOG_PUB_PEM_FILE]")
		os.Exit(2)
	}
	base = strings.TrimRight(os.Args[1], "/")
	vkey, _ := readVKey(os.Args[2])
	defer finish()

	verifier, err := note.NewVerifier(vkey)
	if !okErr(err, "note.NewVerifier accepts the note.vkey") {
		return
	}
	verifiers := note.VerifierList(verifier)

	// 1. The checkpoint.
	r, err := get("/checkpoint")
	if err != nil || r.status != 200 {
		ok(false, "GET /checkpoint", err, r)
		return
	}
	ok(strings.HasPrefix(r.header.Get("Content-Type"), "text/plain"), "GET /checkpoint Content-Type is text/plain", r.header.Get("Content-Type"))
	cc := r.header.Get("Cache-Control")
	ok(!strings.Contains(cc, "immutable") && !strings.Contains(cc, "max-age=31536000"), "GET /checkpoint is not cached long", cc)
	msg := r.body
	n, err := note.Open(msg, verifiers)
	if !okErr(err, "note.Open verifies the checkpoint with the Ed25519 note key") {
		fmt.Printf("#   checkpoint:\n#   %s\n", strings.ReplaceAll(string(msg), "\n", "\n#   "))
		return
	}
	ok(len(n.Sigs) == 1 && n.Sigs[0].Name == verifier.Name(), fmt.Sprintf("verified signature is by %q", verifier.Name()), fmt.Sprintf("%+v", n.Sigs))
	ok(len(n.UnverifiedSigs) >= 1, fmt.Sprintf("the other signature (log ECDSA key) is kept as unverified, not an error (%d)", len(n.UnverifiedSigs)),
		string(msg))
	if len(os.Args) > 3 {
		okErr(verifyECDSANoteSig(os.Args[3], n), "the unverified signature is the log key's ECDSA signature (hint = logID[0:4])")
	}
	cp, err := parseCheckpoint(n.Text)
	if !okErr(err, "checkpoint body parses (origin, size, base64 root)") {
		return
	}
	fmt.Printf("# checkpoint: origin %q size %d root %s\n", cp.origin, cp.size, hex.EncodeToString(cp.root[:]))
	ok(strings.HasPrefix(cp.origin, verifier.Name()+" - "), fmt.Sprintf("origin is %q + \" - <treeID>\"", verifier.Name()), cp.origin)
	ok(cp.size > 0, "tree is not empty", cp.size)

	// Note tampering: a changed body fails, a note without the Ed25519
	// signature is unverified, a corrupted Ed25519 signature fails.
	{
		bad := bytes.Replace(msg, []byte("\n"+strconv.FormatInt(cp.size, 10)+"\n"), []byte("\n"+strconv.FormatInt(cp.size+1, 10)+"\n"), 1)
		_, err := note.Open(bad, verifiers)
		wantErr(err, "note.Open refuses a checkpoint whose size was changed")
		var only []string
		split := bytes.LastIndex(msg, []byte("\n\n"))
		for _, l := range strings.Split(strings.TrimSuffix(string(msg[split+2:]), "\n"), "\n") {
			if !strings.HasPrefix(l, "\u2014 "+verifier.Name()+" ") {
				only = append(only, l)
			} else {
				f := strings.Fields(l)
				raw, _ := base64.StdEncoding.DecodeString(f[len(f)-1])
				if len(raw) >= 4 && binary.BigEndian.Uint32(raw[:4]) != verifier.KeyHash() {
					only = append(only, l) // same name, other key: the ECDSA line
				}
			}
		}
		stripped := string(msg[:split+2]) + strings.Join(only, "\n") + "\n"
		_, err = note.Open([]byte(stripped), verifiers)
		var une *note.UnverifiedNoteError
		ok(len(only) > 0 && errors.As(err, &une), "without the Ed25519 line the note is unverified (UnverifiedNoteError)", err)
		// Flip a bit in the Ed25519 signature itself.
		var corrupt []byte
		for _, l := range strings.Split(string(msg[split+2:]), "\n") {
			f := strings.Fields(l)
			if len(f) != 3 {
				continue
			}
			raw, _ := base64.StdEncoding.DecodeString(f[2])
			if len(raw) > 8 && binary.BigEndian.Uint32(raw[:4]) == verifier.KeyHash() {
				raw[8] ^= 1
				corrupt = bytes.Replace(msg, []byte(f[2]), []byte(base64.StdEncoding.EncodeToString(raw)), 1)
			}
		}
		if corrupt == nil {
			ok(false, "found the Ed25519 signature line to corrupt", string(msg))
		} else {
			_, err = note.Open(corrupt, verifiers)
			wantErr(err, "note.Open refuses a corrupted Ed25519 signature")
		}
	}

	// 2. Entry bundles, and the tree they rebuild. Every entry is read; the
	// stored hashes (RFC 6962 node hashes at every level) are recomputed
	// locally the way a sumdb server builds them, and the resulting root
	// must be the checkpoint's: this authenticates every entry.
	tree := tlog.Tree{N: cp.size, Hash: cp.root}
	tiles := &httpTiles{}
	var entries [][]byte
	bundleErr := ""
	for k := int64(0); k*256 < cp.size; k++ {
		w := int(cp.size - k*256)
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: tileHeight, L: -1, N: k, W: w}
		data, err := tiles.readTile(t)
		if err != nil {
			bundleErr = err.Error()
			break
		}
		es, err := parseBundle(data)
		if err != nil {
			bundleErr = fmt.Sprintf("%s: %v", c2spPath(t), err)
			break
		}
		if len(es) != w {
			bundleErr = fmt.Sprintf("%s: %d entries, want %d", c2spPath(t), len(es), w)
			break
		}
		entries = append(entries, es...)
	}
	if !ok(bundleErr == "" && int64(len(entries)) == cp.size, fmt.Sprintf("entry bundles /tile/entries/... hold all %d entries", cp.size), bundleErr) {
		return
	}
	leaves := make([]tlog.Hash, cp.size)
	var stored []tlog.Hash
	local := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ix))
		for i, x := range ix {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("stored hash %d not computed", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, e := range entries {
		leaves[i] = tlog.RecordHash(e) // SHA256(0x00 || entry)
		hs, err := tlog.StoredHashesForRecordHash(int64(i), leaves[i], local)
		if err != nil {
			ok(false, "computing stored hashes from the entries", err)
			return
		}
		stored = append(stored, hs...)
	}
	lroot, err := tlog.TreeHash(cp.size, local)
	if !ok(err == nil && lroot == cp.root, "the entries' SHA256(0x00||entry) leaves rebuild the checkpoint root", err, " local root ", lroot) {
		return
	}
	{
		bad := []string{}
		for i, e := range entries {
			var v struct {
				APIVersion string          `json:"apiVersion"`
				Kind       string          `json:"kind"`
				Spec       json.RawMessage `json:"spec"`
			}
			if err := json.Unmarshal(e, &v); err != nil || v.APIVersion == "" || v.Kind == "" || len(v.Spec) == 0 {
				bad = append(bad, fmt.Sprintf("entry %d is not a Rekor entry body: %.200s", i, e))
			}
		}
		ok(len(bad) == 0, "every entry is a JSON Rekor entry body {apiVersion,kind,spec}", strings.Join(bad[:min(len(bad), 5)], "\n"))
	}

	// 3. Every hash tile the log must serve for this size, full and
	// right-edge partial, at every level, equals the local computation.
	{
		var bad []string
		nTiles := 0
		for L := 0; cp.size>>uint(8*L) > 0; L++ {
			width := cp.size >> uint(8*L) // hashes at level 8L
			for N := int64(0); N*256 < width; N++ {
				w := int(width - N*256)
				if w > 256 {
					w = 256
				}
				t := tlog.Tile{H: tileHeight, L: L, N: N, W: w}
				data, err := tiles.readTile(t)
				nTiles++
				if err != nil {
					bad = append(bad, err.Error())
					continue
				}
				for i := 0; i < w; i++ {
					want := stored[tlog.StoredHashIndex(8*L, N*256+int64(i))]
					if !bytes.Equal(data[i*32:(i+1)*32], want[:]) {
						bad = append(bad, fmt.Sprintf("%s: hash %d is %x, want %x", c2spPath(t), i, data[i*32:(i+1)*32], want[:]))
						break
					}
				}
			}
		}
		ok(len(bad) == 0, fmt.Sprintf("all %d hash tiles for size %d equal the hashes rebuilt from the entries", nTiles, cp.size), strings.Join(bad[:min(len(bad), 5)], "\n"))
		if tiles.fullFallback > 0 {
			fmt.Printf("# note: %d partial tiles were not served and were read from full tiles:\n#   %s\n", tiles.fullFallback, strings.Join(tiles.log, "\n#   "))
		}
	}

	// Go's TileHashReader: reads tiles on demand and checks them against
	// the checkpoint root.
	hr := tlog.TileHashReader(tree, tiles)
	th, err := tlog.TreeHash(cp.size, hr)
	if okErr(err, "tlog.TreeHash through TileHashReader") {
		ok(th == cp.root, "TileHashReader's tree hash equals the checkpoint root", th.String(), " vs ", cp.root.String())
	}
	idx := make([]int64, cp.size)
	for i := range idx {
		idx[i] = tlog.StoredHashIndex(0, int64(i))
	}
	got, err := hr.ReadHashes(idx)
	if okErr(err, fmt.Sprintf("ReadHashes of all %d leaf hashes through TileHashReader", cp.size)) {
		var bad []string
		for i := range got {
			if got[i] != leaves[i] {
				bad = append(bad, fmt.Sprintf("record %d: tile leaf %x != SHA256(0x00||entry) %x", i, got[i][:], leaves[i][:]))
			}
		}
		ok(len(bad) == 0, "every leaf hash from the tiles equals SHA256(0x00||entry) of its entry", strings.Join(bad[:min(len(bad), 5)], "\n"))
	}
	{
		var ix []int64
		for lvl := 1; lvl < 64 && cp.size>>uint(lvl) > 0; lvl++ {
			for _, k := range []int64{0, (cp.size >> uint(lvl)) / 2, (cp.size >> uint(lvl)) - 1} {
				ix = append(ix, tlog.StoredHashIndex(lvl, k))
			}
		}
		hs, err := hr.ReadHashes(ix)
		if okErr(err, fmt.Sprintf("ReadHashes of %d interior hashes at every level", len(ix))) {
			var bad []string
			for i, x := range ix {
				if hs[i] != stored[x] {
					bad = append(bad, fmt.Sprintf("stored hash %d differs", x))
				}
			}
			ok(len(bad) == 0, "interior hashes equal the local computation", strings.Join(bad, "\n"))
		}
	}

	// 4. Record proofs for sampled records.
	samples := sampleIndexes(cp.size)
	{
		var bad []string
		for _, i := range samples {
			p, err := tlog.ProveRecord(cp.size, i, hr)
			if err == nil {
				err = tlog.CheckRecord(p, cp.size, cp.root, i, leaves[i])
			}
			if err != nil {
				bad = append(bad, fmt.Sprintf("record %d: %v", i, err))
			}
		}
		ok(len(bad) == 0, fmt.Sprintf("tlog.ProveRecord + tlog.CheckRecord for %d sampled records", len(samples)), strings.Join(bad, "\n"))
		if cp.size > 1 {
			p, _ := tlog.ProveRecord(cp.size, 0, hr)
			wantErr(tlog.CheckRecord(p, cp.size, cp.root, 1, leaves[0]), "CheckRecord refuses a proof used for the wrong index")
		}
	}

	// 5. Cross-check the Rekor v1 API against the tiles.
	{
		var bad []string
		for _, i := range samples {
			body, err := getOK(fmt.Sprintf("/api/v1/log/entries?logIndex=%d", i))
			if err != nil {
				bad = append(bad, err.Error())
				continue
			}
			var m map[string]struct {
				Body         string `json:"body"`
				LogIndex     int64  `json:"logIndex"`
				Verification struct {
					InclusionProof struct {
						Hashes   []string `json:"hashes"`
						RootHash string   `json:"rootHash"`
						TreeSize int64    `json:"treeSize"`
						LogIndex int64    `json:"logIndex"`
					} `json:"inclusionProof"`
				} `json:"verification"`
			}
			if err := json.Unmarshal(body, &m); err != nil || len(m) != 1 {
				bad = append(bad, fmt.Sprintf("logIndex %d: bad LogEntry %.200s", i, body))
				continue
			}
			for id, e := range m {
				b, _ := base64.StdEncoding.DecodeString(e.Body)
				if int64(len(entries)) > i && !bytes.Equal(b, entries[i]) {
					bad = append(bad, fmt.Sprintf("logIndex %d: body differs from the entry bundle's", i))
				}
				if !strings.HasSuffix(id, hex.EncodeToString(leaves[i][:])) {
					bad = append(bad, fmt.Sprintf("logIndex %d: entryID %s does not end in the leaf hash %x", i, id, leaves[i][:]))
				}
				ip := e.Verification.InclusionProof
				var proof tlog.RecordProof
				for _, h := range ip.Hashes {
					hh, err := hex.DecodeString(h)
					if err != nil || len(hh) != 32 {
						bad = append(bad, fmt.Sprintf("logIndex %d: bad proof hash %q", i, h))
						continue
					}
					var x tlog.Hash
					copy(x[:], hh)
					proof = append(proof, x)
				}
				rootb, _ := hex.DecodeString(ip.RootHash)
				var root tlog.Hash
				copy(root[:], rootb)
				if err := tlog.CheckRecord(proof, ip.TreeSize, root, i, leaves[i]); err != nil {
					bad = append(bad, fmt.Sprintf("logIndex %d: Rekor inclusion proof fails tlog.CheckRecord: %v", i, err))
				}
				if ip.TreeSize == cp.size && root != cp.root {
					bad = append(bad, fmt.Sprintf("logIndex %d: rootHash at size %d differs from the checkpoint's", i, cp.size))
				}
			}
		}
		ok(len(bad) == 0, fmt.Sprintf("Rekor GET entries?logIndex for %d samples: same bodies as the tiles, proofs pass tlog.CheckRecord", len(samples)), strings.Join(bad, "\n"))

		// Consistency proofs from the Rekor API checked with tlog.CheckTree,
		// old roots computed from the authenticated tiles.
		bad = nil
		for _, m := range samples {
			m++ // sizes 1..size
			if m >= cp.size {
				continue
			}
			old, err := tlog.TreeHash(m, hr)
			if err != nil {
				bad = append(bad, fmt.Sprintf("TreeHash(%d): %v", m, err))
				continue
			}
			body, err := getOK(fmt.Sprintf("/api/v1/log/proof?firstSize=%d&lastSize=%d", m, cp.size))
			if err != nil {
				bad = append(bad, err.Error())
				continue
			}
			var pr struct {
				Hashes   []string `json:"hashes"`
				RootHash string   `json:"rootHash"`
			}
			if err := json.Unmarshal(body, &pr); err != nil {
				bad = append(bad, fmt.Sprintf("proof %d->%d: %v", m, cp.size, err))
				continue
			}
			var tp tlog.TreeProof
			for _, h := range pr.Hashes {
				hh, _ := hex.DecodeString(h)
				var x tlog.Hash
				copy(x[:], hh)
				tp = append(tp, x)
			}
			if pr.RootHash != hex.EncodeToString(cp.root[:]) {
				bad = append(bad, fmt.Sprintf("proof %d->%d: rootHash %s != checkpoint root", m, cp.size, pr.RootHash))
			}
			if err := tlog.CheckTree(tp, cp.size, cp.root, m, old); err != nil {
				bad = append(bad, fmt.Sprintf("proof %d->%d: tlog.CheckTree: %v", m, cp.size, err))
			}
			// And Go's own proof from the tiles must be the same hashes.
			if gp, err := tlog.ProveTree(cp.size, m, hr); err == nil && fmt.Sprint(gp) != fmt.Sprint(tp) {
				bad = append(bad, fmt.Sprintf("proof %d->%d differs from tlog.ProveTree over the tiles", m, cp.size))
			}
		}
		ok(len(bad) == 0, "Rekor consistency proofs (GET /api/v1/log/proof) pass tlog.CheckTree against tile-derived roots", strings.Join(bad, "\n"))

		// GET /api/v1/log agrees with /checkpoint when at the same size.
		body, err := getOK("/api/v1/log")
		var li struct {
			RootHash string `json:"rootHash"`
			TreeSize int64  `json:"treeSize"`
		}
		if err == nil {
			err = json.Unmarshal(body, &li)
		}
		if okErr(err, "GET /api/v1/log") && li.TreeSize == cp.size {
			ok(li.RootHash == hex.EncodeToString(cp.root[:]), "GET /api/v1/log rootHash equals the /checkpoint root at the same size", li.RootHash)
		}
	}

	// 6. Tile headers.
	if cp.size >= 256 {
		r, err := get(c2spPath(tlog.Tile{H: tileHeight, L: 0, N: 0, W: 256}))
		if err == nil && r.status == 200 {
			cc := r.header.Get("Cache-Control")
			ok(strings.Contains(cc, "immutable") && strings.Contains(cc, "max-age="), "full tile Cache-Control is long-lived and immutable", cc)
			ok(len(r.body) == 256*32, "full level-0 tile is 8192 bytes", len(r.body))
		} else {
			ok(false, "GET /tile/0/000", err)
		}
		r, err = get("/tile/entries/000")
		ok(err == nil && r.status == 200, "GET /tile/entries/000 (full entry bundle)", err)
	}
	{
		// Partial tile wider than the tree and malformed paths are 404/400.
		w := int(cp.size % 256)
		if w > 0 && w < 255 {
			t := tlog.Tile{H: tileHeight, L: 0, N: cp.size / 256, W: w + 1}
			r, err := get(c2spPath(t))
			ok(err == nil && r.status == 404, fmt.Sprintf("GET %s (beyond the tree) is 404", c2spPath(t)), err, r)
		}
		for _, p := range []string{"/tile/0/1", "/tile/0/x000/000", "/tile/0/000.p/0", "/tile/0/000.p/256", "/tile/64/000", "/tile/entries/000.p/abc"} {
			r, err := get(p)
			ok(err == nil && r.status >= 400 && r.status < 500, fmt.Sprintf("malformed tile path %s is refused with 4xx", p), err, statusOf(r))
		}
	}

	// 7. Tampered tiles are refused by TileHashReader.
	last := cp.size - 1
	type tamperCase struct {
		name  string
		match func(tlog.Tile) bool
		mut   func([]byte) []byte
		index int64
	}
	flip := func(at int) func([]byte) []byte {
		return func(b []byte) []byte {
			if len(b) > 0 {
				b[at%len(b)] ^= 0x01
			}
			return b
		}
	}
	cases := []tamperCase{
		{"level-0 tile holding record 0 (one hash byte flipped)", func(t tlog.Tile) bool { return t.L == 0 && t.N == 0 }, flip(5), 0},
		{"right-edge level-0 tile (last hash flipped)", func(t tlog.Tile) bool { return t.L == 0 && t.N == last/256 }, func(b []byte) []byte { return flip(len(b) - 1)(b) }, last},
		{"level-0 tile with two hashes swapped", func(t tlog.Tile) bool { return t.L == 0 && t.N == 0 }, func(b []byte) []byte {
			if len(b) >= 64 {
				x := append([]byte(nil), b[:32]...)
				copy(b[:32], b[32:64])
				copy(b[32:64], x)
			} else {
				b[0] ^= 1
			}
			return b
		}, 0},
		{"level-0 tile truncated by one hash", func(t tlog.Tile) bool { return t.L == 0 && t.N == 0 }, func(b []byte) []byte { return b[:len(b)-32] }, 0},
	}
	if cp.size > 256 {
		cases = append(cases, tamperCase{"level-1 tile (first hash flipped)", func(t tlog.Tile) bool { return t.L == 1 }, flip(3), 0})
	}
	// golang.org/x/mod before v0.40.0 (Debian bookworm has v0.7.0) does not
	// authenticate full child tiles against their parents in ReadHashes
	// (CVE-2026-56865, go.dev/issue/80744), so a forged leaf can come back
	// from ReadHashes; a verifier must then still refuse it at
	// tlog.CheckRecord against the checkpoint root. A tampered tile passes
	// this check when either step fails.
	unauthenticated := 0
	for _, c := range cases {
		tt := &tamperTiles{TileReader: &httpTiles{}, match: c.match, mutate: c.mut}
		thr := tlog.TileHashReader(tree, tt)
		hs, err := thr.ReadHashes([]int64{tlog.StoredHashIndex(0, c.index)})
		if tt.hits == 0 {
			ok(false, "tampered "+c.name+" is refused", "the tampered tile was never read")
			continue
		}
		if err == nil {
			unauthenticated++
			p, perr := tlog.ProveRecord(cp.size, c.index, thr)
			if perr == nil {
				perr = tlog.CheckRecord(p, cp.size, cp.root, c.index, hs[0])
			}
			switch {
			case perr != nil:
				wantErr(fmt.Errorf("at CheckRecord: %v", perr), "a tampered "+c.name+" is refused")
			case hs[0] != leaves[c.index]:
				ok(false, "a tampered "+c.name+" is refused", "a forged leaf hash passed ReadHashes and CheckRecord")
			default:
				ok(false, "a tampered "+c.name+" is refused", "the tampering changed neither the leaf nor its proof")
			}
			continue
		}
		wantErr(err, "a tampered "+c.name+" is refused")
	}
	if unauthenticated > 0 {
		fmt.Printf("# note: this golang.org/x/mod returned hashes from %d tampered full tiles without error (pre-v0.40.0 tile authentication bug, CVE-2026-56865); they were refused by CheckRecord\n", unauthenticated)
	}
	// A tampered entry bundle no longer matches the authenticated leaf.
	if len(entries) > 0 {
		e := append([]byte(nil), entries[0]...)
		e[len(e)/2] ^= 0x20
		ok(tlog.RecordHash(e) != leaves[0], "a tampered entry no longer hashes to its authenticated leaf")
	}
	// The right tiles with the wrong root are refused too.
	{
		wrong := tree
		wrong.Hash[0] ^= 1
		_, err := tlog.TileHashReader(wrong, &httpTiles{}).ReadHashes([]int64{0})
		wantErr(err, "TileHashReader refuses genuine tiles against a wrong root")
	}
}

func statusOf(r *response) string {
	if r == nil {
		return "no response"
	}
	return fmt.Sprintf("HTTP %d %.100s", r.status, r.body)
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// sampleIndexes picks record indexes spread over [0, n): both ends, tile
// boundaries and a stride.
func sampleIndexes(n int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	add := func(i int64) {
		if i >= 0 && i < n && !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	for _, i := range []int64{0, 1, 2, 255, 256, 257, 511, 512, n / 2, n - 2, n - 1} {
		add(i)
	}
	step := n / 24
	if step < 1 {
		step = 1
	}
	for i := int64(3); i < n; i += step {
		add(i)
	}
	return out
}
