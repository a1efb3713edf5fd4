"""Drives bench/batch.sh: one side of one round, printing `rows seconds` on stdout.

    batch_drive.py multi  BASE ROWS       # loop of /predict-multi calls of 1,000 rows
    batch_drive.py export BASE ROWS KEY   # one Vidora prediction export of ROWS rows

Both sides score the same rows (deterministic iris features) on the iris example. The
predict-multi side keeps one HTTP/1.1 connection open (the best case for a client loop); the
export side times from the upload to the `complete` status, then downloads the CSV and checks
it has ROWS rows, so the figure covers the whole job (upload, durable items, chunks, the file).
"""
import http.client
import json
import sys
import time
import urllib.parse

FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def row(i):
    return [4.3 + (i * 7 % 36) / 10, 2.0 + (i * 3 % 24) / 10, 1.0 + (i * 11 % 59) / 10, 0.1 + (i * 5 % 24) / 10]


def connect(base):
    u = urllib.parse.urlparse(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=600)


def multi(base, rows):
    conn = connect(base)
    start = time.perf_counter()
    for first in range(0, rows, 1000):
        items = [{"features": dict(zip(FEATURES, row(i)))} for i in range(first, min(rows, first + 1000))]
        conn.request("POST", "/public/api/v1/iris_svc/iris/predict-multi", json.dumps({"items": items}),
                     {"Content-Type": "application/json"})
        answer = conn.getresponse()
        body = answer.read()
        assert answer.status == 200, body[:300]
        assert len(json.loads(body)["results"]) == len(items)
    return time.perf_counter() - start


def export(base, rows, key):
    conn = connect(base)
    conn.request("GET", f"/v1/api/pipelines?api_key={key}")
    answer = conn.getresponse()
    pipelines = json.loads(answer.read())
    pipeline = next(p for p in pipelines if p["name"] == "iris_svc/iris")["id"]
    csv = "id," + ",".join(FEATURES) + "\n" + "".join(
        f"r{i}," + ",".join(str(v) for v in row(i)) + "\n" for i in range(rows))
    body = (f'--B\r\nContent-Disposition: form-data; name="data"; filename="rows.csv"\r\n'
            f'Content-Type: text/csv\r\n\r\n{csv}\r\n--B--\r\n').encode()
    path = f"/v1/api/pipelines/{pipeline}/prediction_exports"
    start = time.perf_counter()
    conn.request("POST", f"{path}?api_key={key}", body, {"Content-Type": "multipart/form-data; boundary=B"})
    answer = conn.getresponse()
    created = answer.read()
    assert answer.status == 200, created[:300]
    export_id = json.loads(created)["id"]
    while True:
        conn.request("GET", f"{path}/{export_id}?api_key={key}")
        state = json.loads(conn.getresponse().read())
        if state["status"] == "complete":
            break
        assert state["status"] != "failed", state
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    link = urllib.parse.urlparse(state["download_url"])
    conn.request("GET", f"{link.path}?{link.query}")
    answer = conn.getresponse()
    text = answer.read().decode()
    assert answer.status == 200, text[:300]
    assert text.count("\n") - 1 == rows, "the export has every row"
    return elapsed


if __name__ == "__main__":
    side, base, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seconds = multi(base, rows) if side == "multi" else export(base, rows, sys.argv[4])
    print(rows, f"{seconds:.3f}")
