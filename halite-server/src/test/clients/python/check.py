"""A Python client of the rqlite HTTP API, standard library only, against a Halite node.

python3 check.py http://127.0.0.1:PORT -- prints one line per check; exits 1 at the first failure.
"""
import base64
import datetime
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

URL = sys.argv[1]


def call(method, path, params=None, body=None, content_type="application/json"):
    query = "?" + urllib.parse.urlencode(params) if params else ""
    data = None
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    request = urllib.request.Request(URL + path + query, data=data, method=method,
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def call_json(method, path, params=None, body=None):
    status, raw = call(method, path, params, body)
    return status, json.loads(raw)


def check_execute_and_parameters():
    status, r = call_json("POST", "/db/execute", body=[
        "CREATE TABLE py (id INTEGER PRIMARY KEY, name TEXT, seen TIMESTAMP, data BLOB)",
        ["INSERT INTO py(name, seen) VALUES(?, ?)", "fiona", 1709649000],
        ["INSERT INTO py(id, name) VALUES(:id, :name)", {"id": 5, "name": "declan"}]])
    assert status == 200, r
    assert r == {"results": [{}, {"last_insert_id": 1, "rows_affected": 1},
                             {"last_insert_id": 5, "rows_affected": 1}]}, r


def check_query_levels_and_dates():
    for level in ("none", "weak", "linearizable", "strong"):
        status, r = call_json("GET", "/db/query", {"q": "SELECT id, name, seen FROM py ORDER BY id", "level": level})
        assert status == 200, r
        assert r == {"results": [{"columns": ["id", "name", "seen"], "types": ["integer", "text", "timestamp"],
                                  "values": [[1, "fiona", "2024-03-05T14:30:00Z"], [5, "declan", None]]}]}, r
    seen = datetime.datetime.fromisoformat(r["results"][0]["values"][0][2].replace("Z", "+00:00"))
    assert seen == datetime.datetime(2024, 3, 5, 14, 30, tzinfo=datetime.timezone.utc)


def check_associative_and_blobs():
    call_json("POST", "/db/execute", body=["UPDATE py SET data = X'00FF10' WHERE id = 1"])
    status, r = call_json("POST", "/db/query", {"associative": ""}, ["SELECT name, data FROM py WHERE id = 1"])
    assert r["results"][0]["rows"] == [{"name": "fiona", "data": base64.b64encode(b"\x00\xff\x10").decode()}], r
    status, r = call_json("GET", "/db/query", {"q": "SELECT data FROM py WHERE id = 1", "blob_array": "true"})
    assert r["results"][0]["values"] == [[[0, 255, 16]]], r


def check_transaction_and_errors():
    status, r = call_json("POST", "/db/execute", {"transaction": ""},
                          ["INSERT INTO py(id, name) VALUES(9, 'x')", "INSERT INTO py(id, name) VALUES(1, 'dup')"])
    assert status == 200 and r["results"][-1] == {"error": "UNIQUE constraint failed: py.id"}, r
    status, r = call_json("GET", "/db/query", {"q": "SELECT count(*) FROM py WHERE id = 9"})
    assert r["results"][0]["values"] == [[0]], r
    status, r = call_json("GET", "/db/query", {"q": "SELECT * FROM nowhere"})
    assert r == {"results": [{"error": "no such table: nowhere"}]}, r
    status, r = call_json("POST", "/db/execute", body="[")
    assert status == 400 and r["error"].startswith("invalid JSON body"), r


def check_unknown_parameters_are_ignored():
    status, r = call_json("GET", "/db/query", {"q": "SELECT name FROM py WHERE id = 5", "foo": "1"})
    assert status == 200 and r["results"][0]["values"] == [["declan"]], r
    status, r = call_json("GET", "/status", {"activeHostIndex": "0"})
    assert status == 200 and r["store"]["raft"]["state"] == "Leader", r


def check_queued_writes():
    sequences = []
    for i in range(20):
        status, r = call_json("POST", "/db/execute", {"queue": ""}, [["INSERT INTO py(name) VALUES(?)", "q%d" % i]])
        assert status == 200 and r["results"] == [], r
        sequences.append(r["sequence_number"])
    assert sequences == sorted(sequences) and len(set(sequences)) == 20, sequences
    status, r = call_json("POST", "/db/execute", {"queue": "", "wait": "", "timeout": "10s"},
                          [["INSERT INTO py(name) VALUES(?)", "q-last"]])
    assert status == 200, r
    status, r = call_json("GET", "/db/query", {"q": "SELECT count(*) FROM py WHERE name LIKE 'q%'", "level": "none"})
    assert r["results"][0]["values"] == [[21]], r
    status, r = call_json("POST", "/db/execute", {"wait": ""}, ["SELECT 1"])
    assert (status, r) == (400, {"error": "wait is for queued writes: use it together with queue"}), r


def check_backup_and_load():
    status, dump = call("GET", "/db/backup", {"fmt": "sql"})
    assert status == 200 and b"CREATE TABLE py" in dump, dump[:200]
    call_json("POST", "/db/execute", body=["DELETE FROM py"])
    status, r = call_json("POST", "/db/load", body=dump.decode())
    assert status == 200 and len(r["results"]) == 1 and "error" not in r["results"][0], r
    status, r = call_json("GET", "/db/query", {"q": "SELECT name FROM py WHERE id = 5"})
    assert r["results"][0]["values"] == [["declan"]], r
    status, image = call("GET", "/db/backup")
    assert image.startswith(b"SQLite format 3\x00")


CHECKS = [check_execute_and_parameters, check_query_levels_and_dates, check_associative_and_blobs,
          check_transaction_and_errors, check_unknown_parameters_are_ignored, check_queued_writes,
          check_backup_and_load]

for check in CHECKS:
    try:
        check()
    except Exception as e:  # report which check failed and why, then stop
        print("FAIL %s: %r" % (check.__name__, e))
        sys.exit(1)
    print("ok   " + check.__name__)
print("all %d checks passed" % len(CHECKS))
