/**
 * The production entry point (worker/src/attestation/runtime.ts) against real Root contracts on
 * @ton/sandbox: whether the simulated path may run is read from the Root's `isTest` getter, and
 * nothing in configuration changes the answer. Allowlists are read from the chain too, so a
 * revocation takes effect on the next policy read.
 */
import '@ton/test-utils';
import { emptyAttestationRoots, emptyImages, ROLE_PROXY, ROLE_WORKER, TEST_ATTESTATION_ROOT_HASH } from '../../wrappers/Root';
import { AttestationError } from '../../worker/src/attestation/errors';
import { imageHash } from '../../worker/src/attestation/imageHash';
import { INTEL_SGX_ROOT_CA_HASH, TEST_ROOT_HASH } from '../../worker/src/attestation/roots';
import { AttestationConfig, openAttestation, readAttestationPolicy, ROLE_BITS } from '../../worker/src/attestation/runtime';
import { SIMULATED_REGISTERS, SimulatedAttestor, SimulatedQuoteProvider } from '../../worker/src/attestation/simulated';
import { testRootPublicKey, attestationRootHash } from '../../worker/src/attestation/testRoot';
import { QuoteVerifier } from '../../worker/src/attestation/verify';
import { createRaTlsIdentity } from '../../worker/src/ratls/cert';
import { verifyRaTlsCertificate } from '../../worker/src/ratls/tls';
import { deployEnvironment, Env } from '../fixtures/environment';
import { deployRoot } from '../helpers/root';

const IMAGE = imageHash(SIMULATED_REGISTERS);

async function rootWith(env: Env, isTest: boolean, nonce: bigint) {
    const attestationRoots = emptyAttestationRoots().set(INTEL_SGX_ROOT_CA_HASH, true);
    if (isTest) attestationRoots.set(TEST_ROOT_HASH, true);
    const images = emptyImages().set(IMAGE, Number(ROLE_WORKER | ROLE_PROXY));
    const { root, result } = await deployRoot(env, { isTest, attestationRoots, images, nonce });
    expect(result.transactions).toHaveTransaction({ to: root.address, deploy: true, success: true });
    return root;
}

/** Every knob that could plausibly mean "simulate": the typed ones and some a careless reader might honour. */
const EVERYTHING_SAYS_SIMULATE = {
    role: 'worker',
    quoteProvider: 'simulated',
    simulated: { version: 5, body: 'TDX1.5' },
    policy: { tcbStatuses: ['UpToDate', 'OutOfDate'], requireCollateral: false },
    isTest: true,
    allowSimulated: true,
    simulate: true,
    testRoot: true,
    trustedRoots: [TEST_ROOT_HASH],
    network: 'testnet',
} as unknown as AttestationConfig;

const ENV_SAYS_SIMULATE: Record<string, string> = {
    COCOON_QUOTE_PROVIDER: 'simulated',
    COCOON_SIMULATED: '1',
    COCOON_IS_TEST: 'true',
    COCOON_ALLOW_SIMULATED: '1',
    COCOON_TEST_ROOT: '1',
    NODE_ENV: 'test',
};

async function codeOf(p: Promise<unknown>): Promise<string> {
    try {
        await p;
        return 'ok';
    } catch (e) {
        if (e instanceof AttestationError) return e.code;
        throw e;
    }
}

describe('the attestation runtime reads trust from the Root', () => {
    let env: Env;
    const saved: Record<string, string | undefined> = {};
    beforeAll(async () => {
        env = await deployEnvironment({ isTest: true });
        for (const [k, v] of Object.entries(ENV_SAYS_SIMULATE)) {
            saved[k] = process.env[k];
            process.env[k] = v;
        }
    });
    afterAll(() => {
        for (const k of Object.keys(ENV_SAYS_SIMULATE)) {
            if (saved[k] === undefined) delete process.env[k];
            else process.env[k] = saved[k];
        }
    });

    it("agrees with the contracts: the simulated root's hash and the role bits", () => {
        expect(TEST_ROOT_HASH).toBe(TEST_ATTESTATION_ROOT_HASH);
        expect(attestationRootHash(testRootPublicKey())).toBe(TEST_ATTESTATION_ROOT_HASH);
        expect(new SimulatedAttestor().rootKeyHash).toBe(TEST_ATTESTATION_ROOT_HASH);
        expect([BigInt(ROLE_BITS.worker), BigInt(ROLE_BITS.proxy)]).toEqual([ROLE_WORKER, ROLE_PROXY]);
    });

    it('the production entry point refuses the simulated provider under an isTest = false Root, whatever the configuration and environment say', async () => {
        const production = await rootWith(env, false, 701n);
        expect((await production.getState()).isTest).toBe(false);
        const e = await openAttestation(production, EVERYTHING_SAYS_SIMULATE).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(AttestationError);
        expect((e as AttestationError).code).toBe('SIMULATED_ON_PRODUCTION');
        expect((e as Error).message).toContain(production.address.toString());

        // The very same configuration works under a test Root: the chain, and only the chain, decided.
        const test = await rootWith(env, true, 702n);
        const att = await openAttestation(test, EVERYTHING_SAYS_SIMULATE);
        expect([att.isTest, att.provider.kind]).toEqual([true, 'simulated']);
    });

    it('under a production Root the default provider is configfs-tsm, and the policy refuses the simulated root even if someone adds it', async () => {
        const production = await rootWith(env, false, 703n);
        const att = await openAttestation(production, { role: 'proxy', tsm: { basePath: '/nonexistent/tsm/report' } });
        expect([att.isTest, att.provider.kind]).toEqual([false, 'configfs-tsm']);
        expect(await codeOf(att.provider.getQuote(Buffer.alloc(64)))).toBe('TSM_UNAVAILABLE');

        const policy = await att.policyFor('worker');
        expect(policy.isTest).toBe(false);
        expect([...policy.trustedRoots]).toEqual([INTEL_SGX_ROOT_CA_HASH]);
        // A simulated peer, even with the test root forced into the trusted set.
        const peer = await createRaTlsIdentity({
            provider: new SimulatedQuoteProvider(),
            teePublicKey: Buffer.alloc(32, 1),
            rootAddress: production.address,
        });
        const forced = { ...policy, trustedRoots: new Set([...policy.trustedRoots, TEST_ROOT_HASH]) };
        expect(await codeOf(verifyRaTlsCertificate(peer.cert, { verifier: att.verifier, policy: forced }))).toBe('SIMULATED_ON_PRODUCTION');
    });

    it('under a test Root a simulated worker proves itself to a proxy, until governance revokes its image or root', async () => {
        const root = await rootWith(env, true, 704n);
        const worker = await openAttestation(root, { role: 'worker', quoteProvider: 'simulated' });
        const proxy = await openAttestation(root, { role: 'proxy', quoteProvider: 'simulated' });
        const teeKey = Buffer.alloc(32, 0x42);
        const id = await createRaTlsIdentity({ provider: worker.provider, teePublicKey: teeKey, rootAddress: worker.rootAddress });

        const verify = async () =>
            codeOf(verifyRaTlsCertificate(id.cert, { verifier: proxy.verifier, policy: await proxy.policyFor('worker') }));
        expect(await verify()).toBe('ok');
        const peer = await verifyRaTlsCertificate(id.cert, { verifier: proxy.verifier, policy: await proxy.policyFor('worker') });
        expect([peer.imageHash, peer.attestationRoot, peer.teePublicKey.equals(teeKey)]).toEqual([IMAGE, TEST_ROOT_HASH, true]);

        await root.sendRevokeImage(env.governance.getSender(), IMAGE, ROLE_WORKER);
        expect(await verify()).toBe('IMAGE_NOT_ALLOWED');
        // Still allowed for the proxy role: the policy is per role.
        expect((await readAttestationPolicy(root, 'proxy')).allowedImages.has(IMAGE)).toBe(true);

        await root.sendRevokeAttestationRoot(env.governance.getSender(), TEST_ROOT_HASH);
        const policy = await proxy.policyFor('proxy');
        expect(policy.trustedRoots.has(TEST_ROOT_HASH)).toBe(false);
        expect(await codeOf(verifyRaTlsCertificate(id.cert, { verifier: new QuoteVerifier(), policy }))).toBe('ROOT_NOT_TRUSTED');
    });
});
