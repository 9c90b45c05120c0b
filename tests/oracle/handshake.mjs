// Differential oracle for the browser-session decision: Clerk's own
// `authenticateRequest` (@clerk/backend, networkless) judges the requests
// tests/integration/handshake.rs sends to clerk-runtime's `session` module.
//
// stdin: a JSON array of cases
//   { id, nowMs, url, method?, headers?: {..}, cookie?: "a=1; b=2",
//     options: { publishableKey, secretKey, jwtKey, authorizedParties?, domain?, isSatellite?,
//                proxyUrl?, signInUrl?, signUpUrl?, satelliteAutoSync? },
//     nonceDirectives?: [..] | "reject" }   (a fake Backend API for __clerk_handshake_nonce)
// stdout: a JSON array of verdicts
//   { id, threw?: string, status?, reason?, message?, headers?: [[name, value], ..] }
//
// Any network attempt is refused (fetch is bound when @clerk/backend loads,
// so the tripwire goes first) and reported as `network` in the verdict.
const network = [];
globalThis.fetch = async (url, init) => {
  network.push(`${init?.method ?? 'GET'} ${String(url)}`);
  throw new Error('network disabled in the oracle');
};
for (const level of ['log', 'warn', 'error', 'info', 'debug']) console[level] = () => {};
const { createAuthenticateRequest } = await import('@clerk/backend/internal');

const input = await new Promise((resolve) => {
  let data = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (c) => (data += c));
  process.stdin.on('end', () => resolve(data));
});

const realNow = Date.now;
const verdicts = [];
for (const c of JSON.parse(input)) {
  network.length = 0;
  Date.now = () => c.nowMs;
  let apiClient;
  if (c.nonceDirectives !== undefined) {
    apiClient = {
      clients: {
        getHandshakePayload: async () => {
          if (c.nonceDirectives === 'reject') throw new Error('Backend API rejected the nonce');
          return { directives: c.nonceDirectives };
        },
      },
    };
  }
  const headers = new Headers(c.headers ?? {});
  if (c.cookie) headers.set('cookie', c.cookie);
  const request = new Request(c.url, { method: c.method ?? 'GET', headers });
  const { authenticateRequest } = createAuthenticateRequest({ options: {}, apiClient });
  try {
    const state = await authenticateRequest(request, c.options);
    verdicts.push({
      id: c.id,
      status: state.status,
      reason: state.reason ?? null,
      message: state.message ?? '',
      headers: [...state.headers],
      network: [...network],
    });
  } catch (e) {
    verdicts.push({ id: c.id, threw: String(e?.message ?? e), network: [...network] });
  } finally {
    Date.now = realNow;
  }
}
process.stdout.write(JSON.stringify(verdicts));
