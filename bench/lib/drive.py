#!/usr/bin/env python3
"""Sends N requests one after another on one keep-alive connection (for the profiler: an exact
request count, unlike a timed load generator).

    drive.py URL N [BODY_FILE]

With BODY_FILE the requests are POSTs of that JSON (each {{KEY}} replaced by 1 + i % 800);
without, GETs. Exits non-zero at the first answer that is not 2xx.
"""

import http.client
import sys
from urllib.parse import urlsplit


def main() -> None:
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    url, n = urlsplit(sys.argv[1]), int(sys.argv[2])
    template = open(sys.argv[3]).read() if len(sys.argv) == 4 else None
    path = url.path + (f"?{url.query}" if url.query else "")
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    for i in range(n):
        if template is None:
            conn.request("GET", path)
        else:
            body = template.replace("{{KEY}}", str(1 + i % 800)).encode()
            conn.request("POST", path, body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        if not 200 <= response.status < 300:
            sys.exit(f"request {i}: HTTP {response.status}: {data[:300]!r}")


if __name__ == "__main__":
    main()
