// Shared by the HTTP benchmarks: one request with its latency, and closed-loop load on one path.
import { Agent, request } from 'node:http';

/** One request; resolves with status, body and milliseconds. `token` adds a bearer token. */
export function call(agent, port, method, path, body, token = null) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          host: 'localhost',
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            body: Buffer.concat(chunks).toString(),
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** `connections` loops calling GET `path` until `until`; returns sorted latencies of 200s and the failures. */
export async function load(port, path, until, connections) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  let failures = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const response = await call(agent, port, 'GET', path);
        if (response.status === 200) latencies.push(response.ms);
        else failures += 1;
      }
    }),
  );
  agent.destroy();
  return { latencies: latencies.sort((a, b) => a - b), failures };
}
