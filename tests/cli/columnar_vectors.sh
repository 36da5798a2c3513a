#!/usr/bin/env bash
# columnar_vectors.sh: every shared spec vector through the tidal binary: `encode --hex` of its
# rows must print exactly its hex, `decode --hex` of its hex must print its rows (compared as JSON
# values, floats by exact representation), and binary encode | decode must round-trip.
set -euo pipefail
: "${TIDAL_BIN:?}" "${TIDAL_SHARED_DIR:?}"
vectors="$TIDAL_SHARED_DIR/spec/vectors/columnar-vectors.jsonl"
[ -f "$vectors" ] || { echo "no vectors at $vectors" >&2; exit 1; }
exec python3 - "$TIDAL_BIN" "$vectors" <<'PY'
import json, subprocess, sys
tidal, path = sys.argv[1], sys.argv[2]

def run(args, data):
    p = subprocess.run([tidal, "columnar"] + args, input=data, capture_output=True)
    return p.returncode, p.stdout, p.stderr

def canon(v):
    # json.dumps keeps -0.0 and float vs int apart; object key order is part of the value (the
    # serde convention writes struct fields in declaration order).
    return json.dumps(v, ensure_ascii=False)

failures = 0
cases = 0
for n, line in enumerate(open(path), 1):
    case = json.loads(line)
    schema, rows, hexs = case["schema"], case["rows"], case["hex"]
    cases += 1
    jsonl = "".join(json.dumps(r) + "\n" for r in rows).encode()
    rc, out, err = run(["encode", "--schema", schema, "--hex"], jsonl)
    if rc != 0 or out.decode() != hexs + "\n" or err:
        print(f"vector {n} ({schema}): encode --hex rc={rc} err={err!r}\n  got  {out!r}\n  want {hexs!r}")
        failures += 1
    rc, out, err = run(["decode", "--schema", schema, "--hex"], (hexs + "\n").encode())
    got = [json.loads(l) for l in out.decode().splitlines()] if rc == 0 else None
    if rc != 0 or err or got is None or [canon(r) for r in got] != [canon(r) for r in rows]:
        print(f"vector {n} ({schema}): decode --hex rc={rc} err={err!r}\n  got  {got!r}\n  want {rows!r}")
        failures += 1
    # Binary path: encode (no --hex) must give the same bytes, and decode them back.
    rc, out, err = run(["encode", "--schema", schema], jsonl)
    if rc != 0 or out != bytes.fromhex(hexs):
        print(f"vector {n} ({schema}): binary encode rc={rc} err={err!r}")
        failures += 1
    else:
        rc, out2, err = run(["decode", "--schema", schema], out)
        if rc != 0 or [canon(json.loads(l)) for l in out2.decode().splitlines()] != [canon(r) for r in rows]:
            print(f"vector {n} ({schema}): binary decode rc={rc} err={err!r} out={out2!r}")
            failures += 1
    # inspect must succeed and report the row count.
    rc, out, err = run(["inspect", "--schema", schema, "--hex"], hexs.encode())
    if rc != 0 or f"rows: {len(rows)}\n".encode() not in out:
        print(f"vector {n} ({schema}): inspect rc={rc} err={err!r} out={out!r}")
        failures += 1
print(f"{cases} vectors, {failures} failures")
sys.exit(1 if failures or cases == 0 else 0)
PY
