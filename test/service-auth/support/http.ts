import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** A plain http server on an ephemeral loopback port. */
export async function listen(handler: http.RequestListener): Promise<Listening> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Answer {
  status: number;
  challenge: string | null;
  body: Record<string, unknown>;
}

/** GET `url` with an optional Authorization header value. */
export async function get(url: string, authorization?: string): Promise<Answer> {
  const res = await fetch(url, {
    headers: authorization ? { authorization } : {},
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  return {
    status: res.status,
    challenge: res.headers.get("www-authenticate"),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}
