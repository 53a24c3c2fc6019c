// The official OpenFeature server SDK with its OFREP provider, unmodified,
// against a running Relais. Run by the Rust test `runtime::ofrep`, which
// starts the server and passes, in the environment: RELAIS_URL, RELAIS_TOKEN
// (runtime:read), AGENT_ON (failover on and configured) with EXPECTED (its
// runtime document, as JSON), AGENT_OFF (its account's failover is off).
// Exits non-zero on the first difference.
import assert from 'node:assert/strict';
import { OpenFeature, ErrorCode } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';

const { RELAIS_URL, RELAIS_TOKEN, AGENT_ON, AGENT_OFF, EXPECTED } = process.env;
const expected = JSON.parse(EXPECTED);
const fallback = { fallback: true };

async function clientWith(name, token) {
  const provider = new OFREPProvider({
    baseUrl: RELAIS_URL,
    headers: [['Authorization', `Bearer ${token}`]],
  });
  await OpenFeature.setProviderAndWait(name, provider);
  return OpenFeature.getClient(name);
}

const client = await clientWith('relais', RELAIS_TOKEN);

// The document of a configured agent, as the runtime GET gives it.
const value = await client.getObjectValue('failover', fallback, { targetingKey: AGENT_ON });
assert.deepEqual(value, expected);
const on = await client.getObjectDetails('failover', fallback, { targetingKey: AGENT_ON });
assert.equal(on.reason, 'TARGETING_MATCH');
assert.equal(on.variant, expected.action.type);
assert.equal(on.errorCode, undefined);
assert.equal(on.flagMetadata.revision, expected.revision);

// Failover off for the account: the caller's default. (This provider,
// 0.1.3, the newest on npm here, predates OFREP's "no value: use the code
// default" and reports it as an error; the value is the default all the same.
// The web provider, on the current OFREP core, says DISABLED: ofrep_web.mjs.)
const off = await client.getObjectDetails('failover', fallback, { targetingKey: AGENT_OFF });
assert.deepEqual(off.value, fallback);

// No such agent, no targeting key: the protocol's error codes.
const unknown = await client.getObjectDetails('failover', fallback, { targetingKey: 'no-such-agent' });
assert.deepEqual(unknown.value, fallback);
assert.equal(unknown.errorCode, ErrorCode.FLAG_NOT_FOUND);
const missing = await client.getObjectDetails('failover', fallback, {});
assert.deepEqual(missing.value, fallback);
assert.equal(missing.errorCode, ErrorCode.TARGETING_KEY_MISSING);
const otherFlag = await client.getBooleanDetails('dark-mode', false, { targetingKey: AGENT_ON });
assert.equal(otherFlag.errorCode, ErrorCode.FLAG_NOT_FOUND);

// A bad token: the SDK's error, and the default.
const bad = await clientWith('bad-token', 'relais_rt_not-a-real-token');
const refused = await bad.getObjectDetails('failover', fallback, { targetingKey: AGENT_ON });
assert.deepEqual(refused.value, fallback);
assert.equal(refused.reason, 'ERROR');
assert.equal(refused.errorCode, ErrorCode.GENERAL);

await OpenFeature.close();
console.log('OpenFeature JS SDK: all checks passed');
