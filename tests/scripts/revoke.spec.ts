/**
 * Revocations, pause and guardian removal: immediate, by governance or the guardian. The guardian
 * is installed with the scripts themselves (proposeGuardian, executeProposal), as are the image,
 * model and attestation root it then revokes.
 */
import { Address } from '@ton/core';
import { BlockchainSnapshot } from '@ton/sandbox';
import { formatHash256, ROLE_PROXY, ROLE_WORKER, TEST_ATTESTATION_ROOT_HASH } from '../../wrappers/Root';
import { createHarness, deployDevnetRoot, Harness, START } from './harness';

const IMAGE = 'cc'.repeat(32);
const MODEL = 'ee'.repeat(32);
const ROOT2 = 'bb'.repeat(32);

describe('revocation scripts', () => {
    let h: Harness;
    let root: Address;
    let at: string[];
    let proxy: Address;
    let snapshot: BlockchainSnapshot;

    beforeAll(async () => {
        h = await createHarness();
        root = await deployDevnetRoot(h);
        at = ['--root', root.toString()];
        await h.run('proposeGuardian', [h.guardian.address.toString(), ...at]);
        await h.run('proposeImage', [IMAGE, 'worker,proxy', ...at]);
        await h.run('proposeModel', [MODEL, ...at]);
        await h.run('proposeAttestationRoot', [ROOT2, ...at]);
        h.advance(3600);
        for (const id of ['0', '1', '2', '3']) await h.run('executeProposal', [id, ...at], h.stranger);
        proxy = await h.listProxy(root, h.stranger.address, BigInt('0x' + IMAGE), TEST_ATTESTATION_ROOT_HASH);
        snapshot = h.blockchain.snapshot();
    });
    beforeEach(async () => {
        await h.blockchain.loadFrom(snapshot);
        h.blockchain.now = START + 3600;
    });

    it('showRoot lists the guardian and the proxy directory', async () => {
        const out = await h.run('showRoot', at);
        expect(out).toContain(`guardian            ${h.guardian.address.toString()}`);
        expect(out).toContain('Proxy directory (1 of at most 64)');
        expect(out).toContain(`  ${proxy.toString()}`);
        expect(out).toContain('endpoint https://proxy.example:8443');
    });

    it('the guardian revokes an image role: the entry keeps the other role', async () => {
        const out = await h.run('revokeImage', [IMAGE, 'proxy', ...at], h.guardian);
        expect(out).toContain(`Image 0x${IMAGE} revoked for proxy: still allowed for worker.`);
        const r = h.rootAt(root);
        expect(await r.getIsImageAllowed(BigInt('0x' + IMAGE), ROLE_PROXY)).toBe(false);
        expect(await r.getIsImageAllowed(BigInt('0x' + IMAGE), ROLE_WORKER)).toBe(true);
        expect(await h.refused('revokeImage', [IMAGE, 'proxy', ...at], h.guardian)).toContain('is allowed for worker only, not for proxy');
    });

    it('the guardian revokes an attestation root, a model and a proxy listing', async () => {
        expect(await h.run('revokeAttestationRoot', [ROOT2, ...at], h.guardian)).toContain(`Attestation root 0x${ROOT2} revoked.`);
        expect(await h.run('revokeModel', [MODEL, ...at], h.guardian)).toContain(`Model 0x${MODEL} revoked.`);
        expect(await h.run('delistProxy', [proxy.toString(), ...at], h.guardian)).toContain('delisted.');
        const state = await h.rootAt(root).getState();
        expect([state.attestationRootCount, state.modelCount, state.proxyCount]).toEqual([1n, 0n, 0n]);
        expect(await h.refused('revokeModel', [MODEL, ...at], h.guardian)).toContain('is not allowlisted (ERR_NOT_IN_ALLOWLIST');
        expect(await h.refused('delistProxy', [proxy.toString(), ...at], h.guardian)).toContain(
            'not in the proxy directory (ERR_NOT_LISTED',
        );
        expect(await h.refused('revokeAttestationRoot', [formatHash256(123n), ...at])).toContain('is not allowlisted');
    });

    it('a wallet that is neither governance nor guardian is refused before sending', async () => {
        const message = await h.refused('revokeModel', [MODEL, ...at], h.stranger);
        expect(message).toContain(`Not sent: the connected wallet ${h.stranger.address.toString()}`);
        expect(message).toContain('is not governance or the guardian');
    });

    it('the guardian pauses; only governance unpauses', async () => {
        expect(await h.run('pause', at, h.guardian)).toContain('The Root is paused.');
        expect(await h.refused('pause', at, h.guardian)).toContain('the Root is paused already');
        expect(await h.refused('unpause', at, h.guardian)).toContain('is not governance');
        expect(await h.run('unpause', at)).toContain('The Root is no longer paused.');
        expect(await h.refused('unpause', at)).toContain('the Root is not paused');
    });

    it('the guardian resigns with removeGuardian; then only governance may revoke', async () => {
        expect(await h.run('removeGuardian', at, h.guardian)).toContain('The Root has no guardian now.');
        expect(await h.refused('removeGuardian', at)).toContain('the Root has no guardian (ERR_NO_GUARDIAN');
        expect(await h.refused('pause', at, h.guardian)).toContain('is not governance');
    });

    it('the guardian may cancel a proposal but not propose', async () => {
        await h.run('proposeModel', ['ff'.repeat(32), ...at]);
        expect(await h.refused('proposeModel', ['aa'.repeat(32), ...at], h.guardian)).toContain('is not governance');
        expect(await h.run('cancelProposal', ['4', ...at], h.guardian)).toContain('Proposal #4 cancelled.');
    });
});
