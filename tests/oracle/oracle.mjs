// Differential oracle: Clerk's own server SDK judges the tokens our dev issuer
// mints. Reads one JSON array of cases on stdin, prints one JSON array of
// verdicts on stdout. The Rust test (tests/integration/oracle.rs) compares
// them with clerk-runtime's answers.
//
// A case: { id, token, jwtKey, nowMs, authorizedParties?, skewMs?, checks: [ {role|permission|feature|plan|reverification} ] }
// A verdict: { id, ok, reason?, userId?, orgId?, orgRole?, orgPermissions?, has: [bool] }
import { verifyToken } from '@clerk/backend';
import { createCheckAuthorization } from '@clerk/shared/authorization';
import { __experimental_JWTPayloadToAuthObjectProperties as toAuth } from '@clerk/shared/jwtPayloadParser';

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
    data = await verifyToken(c.token, {
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
