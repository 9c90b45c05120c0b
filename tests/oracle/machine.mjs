// Differential oracle for machine tokens: Clerk's `authenticateRequest` with
// `acceptsToken`, on a GET with the case's `Authorization` header (and
// cookie), networkless (`jwtKey`). Reads a JSON array of cases on stdin,
// prints one verdict per case (tests/integration/machine_oracle.rs).
//
// A case: { id, token?, cookie?, accepts, jwtKey }, or { id, classify: token }
//   for Clerk's `isMachineToken` / `isMachineTokenByPrefix` alone.
// A verdict: { id, status, reason, tokenType, subject, scopes, fetched }
//   `fetched`: whether Clerk tried the network (cases are chosen so it never
//   needs to: type decisions and the JWT forms).

let fetched = false;
globalThis.fetch = async (url) => {
  fetched = true;
  throw new Error(`network disabled in the oracle: ${url}`);
};
const { createClerkClient } = await import('@clerk/backend');
const { isMachineToken, isMachineTokenByPrefix } = await import('@clerk/backend/internal');

const PUBLISHABLE_KEY = `pk_live_${Buffer.from('clerk.example.com$').toString('base64')}`;

const input = await new Promise((resolve) => {
  let data = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (c) => (data += c));
  process.stdin.on('end', () => resolve(data));
});

const clerk = createClerkClient({
  publishableKey: PUBLISHABLE_KEY,
  secretKey: 'sk_live_oracle_unused',
  telemetry: { disabled: true },
});

const verdicts = [];
for (const c of JSON.parse(input)) {
  fetched = false;
  if (c.classify !== undefined) {
    verdicts.push({
      id: c.id,
      isMachine: isMachineToken(c.classify),
      byPrefix: isMachineTokenByPrefix(c.classify),
    });
    continue;
  }
  const headers = { accept: 'application/json' };
  if (c.token) headers.authorization = `Bearer ${c.token}`;
  if (c.cookie) headers.cookie = c.cookie;
  const request = new Request('https://app.example.com/api', { headers });
  let verdict;
  try {
    const state = await clerk.authenticateRequest(request, {
      jwtKey: c.jwtKey,
      acceptsToken: c.accepts,
    });
    const auth = state.isAuthenticated ? state.toAuth() : null;
    verdict = {
      status: state.status,
      reason: state.reason ?? null,
      tokenType: state.tokenType ?? null,
      subject: auth?.subject ?? auth?.userId ?? null,
      scopes: auth?.scopes ?? null,
    };
  } catch (e) {
    verdict = { status: 'error', reason: String(e?.message ?? e), tokenType: null };
  }
  verdicts.push({ id: c.id, fetched, ...verdict });
}
process.stdout.write(JSON.stringify(verdicts));
