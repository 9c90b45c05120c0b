// Differential oracle: Clerk's own server SDK judges the tokens our dev issuer
// mints. Reads one JSON array of cases on stdin, prints one JSON array of
// verdicts on stdout. The Rust test (tests/integration/oracle.rs) compares
// them with clerk-runtime's answers.
//
// A case: { id, token, jwtKey, nowMs, authorizedParties?, skewMs?, mode?, checks: [ {role|permission|feature|plan|reverification} ] }
//   mode "verify" (default): `verifyToken`, what a service calls on a token it was handed
//     (JWT templates);
//   mode "request": `authenticateRequest` on a GET with `Authorization: Bearer <token>`, the
//     session path with its category checks (`isMachineJwt`, `hasNonSessionJwtCategory`).
// A verdict: { id, ok, reason?, userId?, orgId?, orgRole?, orgPermissions?, has: [bool] }

// The oracle never talks to the network: @clerk/backend binds fetch at import
// time, so the tripwire goes in before it is imported.
globalThis.fetch = async (url) => {
  throw new Error(`network disabled in the oracle: ${url}`);
};
const { verifyToken, createClerkClient } = await import('@clerk/backend');
const { createCheckAuthorization } = await import('@clerk/shared/authorization');
const { __experimental_JWTPayloadToAuthObjectProperties: toAuth } = await import(
  '@clerk/shared/jwtPayloadParser'
);

// Any production key works for the header path; its Frontend API host is not checked there.
const PUBLISHABLE_KEY = `pk_live_${Buffer.from('clerk.example.com$').toString('base64')}`;

async function viaRequest(c) {
  const clerk = createClerkClient({
    publishableKey: PUBLISHABLE_KEY,
    // Required by authenticateRequest; never used, as jwtKey makes verification networkless.
    secretKey: 'sk_live_oracle_unused',
    telemetry: { disabled: true },
  });
  const request = new Request('https://app.example.com/api', {
    headers: { authorization: `Bearer ${c.token}`, accept: 'application/json' },
  });
  const state = await clerk.authenticateRequest(request, {
    jwtKey: c.jwtKey,
    authorizedParties: c.authorizedParties,
    clockSkewInMs: c.skewMs,
  });
  if (state.status !== 'signed-in') {
    throw { reason: state.reason };
  }
  return state.toAuth().sessionClaims;
}

const realNow = Date.now;
const input = await new Promise((resolve) => {
  let data = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (c) => (data += c));
  process.stdin.on('end', () => resolve(data));
});

const verdicts = [];
for (const c of JSON.parse(input)) {
  // verifyToken reads the clock through Date.now; pin it to the case's instant.
  Date.now = () => c.nowMs;
  let data;
  try {
    // Both throw on failure (the exported verifyToken throws its first error).
    data =
      c.mode === 'request'
        ? await viaRequest(c)
        : await verifyToken(c.token, {
            jwtKey: c.jwtKey,
            authorizedParties: c.authorizedParties,
            clockSkewInMs: c.skewMs,
          });
  } catch (e) {
    verdicts.push({ id: c.id, ok: false, reason: e.reason ?? String(e), has: [] });
    continue;
  } finally {
    Date.now = realNow;
  }
  const props = toAuth(data);
  const has = createCheckAuthorization({
    userId: data.sub,
    orgId: props.orgId,
    orgRole: props.orgRole,
    orgPermissions: props.orgPermissions,
    factorVerificationAge: props.factorVerificationAge,
    features: data.fea,
    plans: data.pla,
  });
  verdicts.push({
    id: c.id,
    ok: true,
    userId: data.sub,
    orgId: props.orgId ?? null,
    orgRole: props.orgRole ?? null,
    orgPermissions: props.orgPermissions ?? [],
    has: (c.checks ?? []).map((check) => has(check)),
  });
}
process.stdout.write(JSON.stringify(verdicts));
