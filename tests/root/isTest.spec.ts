/**
 * Deployment-time trust: `isTest` decides whether the simulated attestation root may ever be
 * allowlisted, and the initial allowlists get the same checks as later proposals.
 */
import '@ton/test-utils';
import {
    emptyAttestationRoots,
    emptyImages,
    emptyModels,
    ERR_ALLOWLIST_FULL,
    ERR_INVALID_ROLES,
    ERR_TEST_ROOT_ON_PRODUCTION,
    MAX_ATTESTATION_ROOTS,
    MAX_IMAGES,
    MAX_MODELS,
    ROLE_WORKER,
    TEST_ATTESTATION_ROOT_HASH,
} from '../../wrappers/Root';
import { attestationRootHash, testRootPublicKey } from '../../worker/src/attestation/testRoot';
import { HASHES } from '../fixtures/environment';
import { deployRoot, expectAccepted, expectDeployRefused, proposeAndExecute, refuses, sharedEnvironment } from '../helpers/root';

it('TEST_ATTESTATION_ROOT_HASH is the attestation root hash of the simulated root key', () => {
    expect(TEST_ATTESTATION_ROOT_HASH).toBe(attestationRootHash(testRootPublicKey()));
});

describe('a production Root (isTest = false)', () => {
    const ctx = sharedEnvironment({ isTest: false });

    it('is deployed as such, without the test root', async () => {
        const { env } = ctx;
        const state = await env.root.getState();
        expect(state.isTest).toBe(false);
        expect(await env.root.getIsAttestationRootAllowed(TEST_ATTESTATION_ROOT_HASH)).toBe(false);
        expect(await env.root.getIsAttestationRootAllowed(HASHES.root)).toBe(true);
    });

    it('refuses a deployment that allowlists the test root with ERR_TEST_ROOT_ON_PRODUCTION', async () => {
        const { env } = ctx;
        for (const [nonce, withOthers] of [
            [100n, false],
            [101n, true],
        ] as const) {
            const roots = emptyAttestationRoots();
            roots.set(TEST_ATTESTATION_ROOT_HASH, true);
            if (withOthers) roots.set(HASHES.root, true).set(HASHES.newRoot, true);
            const d = await deployRoot(env, { nonce, isTest: false, attestationRoots: roots });
            await expectDeployRefused(env, d, ERR_TEST_ROOT_ON_PRODUCTION);
        }
    });

    it('refuses ProposeAddAttestationRoot of the test root with ERR_TEST_ROOT_ON_PRODUCTION', async () => {
        const { env } = ctx;
        const g = env.governance;
        await refuses(env, g.address, ERR_TEST_ROOT_ON_PRODUCTION, () =>
            env.root.sendProposeAddAttestationRoot(g.getSender(), TEST_ATTESTATION_ROOT_HASH),
        );
        // any other root is fine
        await proposeAndExecute(env, () => env.root.sendProposeAddAttestationRoot(g.getSender(), HASHES.newRoot));
        expect(await env.root.getIsAttestationRootAllowed(HASHES.newRoot)).toBe(true);
    });
});

describe('a test Root (isTest = true)', () => {
    const ctx = sharedEnvironment({ isTest: true, emptyAllowlists: true });

    it('accepts the test root at deployment', async () => {
        const { env } = ctx;
        const roots = emptyAttestationRoots();
        roots.set(TEST_ATTESTATION_ROOT_HASH, true);
        const d = await deployRoot(env, { nonce: 100n, isTest: true, attestationRoots: roots });
        expectAccepted(d.result, env.deployer.address, d.root.address);
        expect((await d.root.getState()).isTest).toBe(true);
        expect(await d.root.getIsAttestationRootAllowed(TEST_ATTESTATION_ROOT_HASH)).toBe(true);
    });

    it('accepts ProposeAddAttestationRoot of the test root', async () => {
        const { env } = ctx;
        expect(await env.root.getIsAttestationRootAllowed(TEST_ATTESTATION_ROOT_HASH)).toBe(false);
        await proposeAndExecute(env, () => env.root.sendProposeAddAttestationRoot(env.governance.getSender(), TEST_ATTESTATION_ROOT_HASH));
        expect(await env.root.getIsAttestationRootAllowed(TEST_ATTESTATION_ROOT_HASH)).toBe(true);
    });
});

describe('initial allowlists', () => {
    const ctx = sharedEnvironment();

    it('the fixture deployment counts its initial entries', async () => {
        const { env } = ctx;
        const state = await env.root.getState();
        expect(state.attestationRootCount).toBe(BigInt(env.init.attestationRoots.size));
        expect(state.imageCount).toBe(BigInt(env.init.images.size));
        expect(state.modelCount).toBe(BigInt(env.init.models.size));
        expect(state.configVersion).toBe(0n);
        expect(state.paused).toBe(false);
        expect(state.pendingGovernance).toBeNull();
    });

    it('deploys with every list exactly full', async () => {
        const { env } = ctx;
        const roots = emptyAttestationRoots();
        const images = emptyImages();
        const models = emptyModels();
        for (let i = 0n; i < MAX_ATTESTATION_ROOTS; i++) roots.set(0x1000n + i, true);
        for (let i = 0n; i < MAX_IMAGES; i++) images.set(0x2000n + i, Number(1n + (i % 3n)));
        for (let i = 0n; i < MAX_MODELS; i++) models.set(0x3000n + i, true);
        const d = await deployRoot(env, { nonce: 200n, attestationRoots: roots, images, models });
        expectAccepted(d.result, env.deployer.address, d.root.address);
        const s = await d.root.getState();
        expect([s.attestationRootCount, s.imageCount, s.modelCount]).toEqual([MAX_ATTESTATION_ROOTS, MAX_IMAGES, MAX_MODELS]);
    });

    it.each([
        ['attestation roots', MAX_ATTESTATION_ROOTS],
        ['images', MAX_IMAGES],
        ['models', MAX_MODELS],
    ] as const)('refuses one entry too many %s with ERR_ALLOWLIST_FULL', async (list, max) => {
        const { env } = ctx;
        const roots = emptyAttestationRoots();
        const images = emptyImages();
        const models = emptyModels();
        for (let i = 0n; i <= max; i++) {
            if (list === 'attestation roots') roots.set(0x1000n + i, true);
            if (list === 'images') images.set(0x2000n + i, Number(ROLE_WORKER));
            if (list === 'models') models.set(0x3000n + i, true);
        }
        const d = await deployRoot(env, { nonce: 300n + max, attestationRoots: roots, images, models });
        await expectDeployRefused(env, d, ERR_ALLOWLIST_FULL);
    });

    it.each([0, 4, 5, 0xff])('refuses an initial image with role mask %s with ERR_INVALID_ROLES', async (mask) => {
        const { env } = ctx;
        const images = emptyImages();
        images.set(HASHES.workerImage, Number(ROLE_WORKER));
        images.set(HASHES.newImage, mask);
        const d = await deployRoot(env, { nonce: 400n + BigInt(mask), images });
        await expectDeployRefused(env, d, ERR_INVALID_ROLES);
    });
});
