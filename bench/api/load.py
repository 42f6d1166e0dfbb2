"""A small keep-alive HTTP/1.1 load client: N connections, each sending GETs back to back for a fixed time.

    python -m bench.api.load --port 8000 --path /api/v1/documents/ --connections 16 --seconds 20 \
        --header "Authorization: Bearer ..."

Prints one JSON object: requests, errors (non-2xx or broken connections), req/s, latency percentiles in ms
and the client's own CPU seconds (so a reader can see the client was not the bottleneck). Raw asyncio streams
rather than an HTTP library, so the client costs little CPU next to the server it measures.
"""

import argparse
import asyncio
import json
import os
import time


async def _one_connection(
    host: str, port: int, request: bytes, deadline: float, latencies: list[float], errors: list[str]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            if 200 <= status < 300:
                latencies.append(time.perf_counter() - started)
            else:
                errors.append(f"HTTP {status}")
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        errors.append(type(exc).__name__)
    finally:
        writer.close()


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


async def run(host: str, port: int, path: str, headers: list[str], connections: int, seconds: float) -> dict:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive", *headers, "", ""]
    request = "\r\n".join(lines).encode()
    latencies: list[float] = []
    errors: list[str] = []
    cpu_before = os.times()
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(_one_connection(host, port, request, deadline, latencies, errors) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    cpu_after = os.times()
    ordered = sorted(latencies)
    client_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return {
        "path": path,
        "connections": connections,
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_percentile(ordered, 0.50) * 1000, 1),
        "p95_ms": round(_percentile(ordered, 0.95) * 1000, 1),
        "p99_ms": round(_percentile(ordered, 0.99) * 1000, 1),
        "client_cpu_s": round(client_cpu, 2),
        "client_cpu_share": round(client_cpu / elapsed, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    result = asyncio.run(run(args.host, args.port, args.path, args.header, args.connections, args.seconds))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
