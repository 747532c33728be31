/**
 * The propose scripts, executeProposal, cancelProposal and the governance hand-over, run against a
 * Root deployed from devnet.json (governance delay 1 hour). The sandbox clock is the chain clock
 * the scripts read, so a test moves time with `advance`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Address, Cell, toNano } from '@ton/core';
import { BlockchainSnapshot } from '@ton/sandbox';
import {
    formatHash256,
    loadProposeAddAttestationRoot,
    modelHash,
    PROPOSAL_GRACE_PERIOD,
    ROLE_PROXY,
    ROLE_WORKER,
} from '../../wrappers/Root';
import { createHarness, deployDevnetRoot, Harness, START } from './harness';

const HOUR = 3600;
const NEW_ROOT = 'bb'.repeat(32);
const IMAGE = 'cc'.repeat(32);
const WEIGHTS = 'dd'.repeat(32);

describe('governance scripts', () => {
    let h: Harness;
    let root: Address;
    let at: string[];
    let snapshot: BlockchainSnapshot;

    beforeAll(async () => {
        h = await createHarness();
        root = await deployDevnetRoot(h);
        at = ['--root', root.toString()];
        snapshot = h.blockchain.snapshot();
    });
    beforeEach(async () => {
        await h.blockchain.loadFrom(snapshot);
        h.blockchain.now = START;
    });

    it('propose -> too early -> clock advance -> executeProposal -> showRoot', async () => {
        const proposed = await h.run('proposeAttestationRoot', [NEW_ROOT, ...at]);
        expect(proposed).toContain(`Action: propose to add attestation root 0x${NEW_ROOT}`);
        expect(proposed).toContain('Proposal #0 created:');
        expect(proposed).toContain('executeAfter 2025-06-15T16:06:40Z (in 1h)');

        const pending = await h.run('showRoot', at);
        expect(pending).toContain('Pending proposals (1 of at most 16; next id 1)');
        expect(pending).toContain(`#0 ProposeAddAttestationRoot: add attestation root 0x${NEW_ROOT}`);
        expect(pending).toContain('status: not executable yet, executable in 1h');

        const early = await h.refused('executeProposal', ['0', ...at]);
        expect(early).toContain('proposal #0 is not executable yet: executeAfter is 2025-06-15T16:06:40Z (in 1h) by the chain clock');
        expect(early).toContain('ERR_PROPOSAL_TOO_EARLY');

        h.advance(HOUR);
        const executed = await h.run('executeProposal', ['0', ...at], h.stranger);
        expect(executed).toContain(`Proposal #0 executed: add attestation root 0x${NEW_ROOT}`);
        expect(await h.rootAt(root).getIsAttestationRootAllowed(BigInt('0x' + NEW_ROOT))).toBe(true);

        const after = await h.run('showRoot', at);
        expect(after).toContain(`Attestation roots (2 of at most 16)`);
        expect(after).toContain(`  0x${NEW_ROOT}`);
        expect(after).toContain('Pending proposals (0 of at most 16; next id 1)');
        expect(after).toContain('configVersion       2');
    });

    it('proposeImage and proposeModel (by name@revision:weights), executed by anyone', async () => {
        await h.run('proposeImage', [IMAGE, 'worker,proxy', ...at]);
        const model = await h.run('proposeModel', [`Qwen/Qwen3-8B@main:${WEIGHTS}`, ...at]);
        const hash = modelHash('Qwen/Qwen3-8B', 'main', WEIGHTS);
        expect(model).toContain(`hashes to ${formatHash256(hash)}`);
        h.advance(HOUR);
        expect(await h.run('executeProposal', ['0', ...at], h.stranger)).toContain(`allow image 0x${IMAGE} for worker, proxy`);
        await h.run('executeProposal', ['1', ...at], h.stranger);
        const r = h.rootAt(root);
        expect(await r.getIsImageAllowed(BigInt('0x' + IMAGE), ROLE_WORKER)).toBe(true);
        expect(await r.getIsImageAllowed(BigInt('0x' + IMAGE), ROLE_PROXY)).toBe(true);
        expect(await r.getIsModelAllowed(hash)).toBe(true);
        const shown = await h.run('showRoot', at);
        expect(shown).toContain(`0x${IMAGE}  worker, proxy`);
        expect(shown).toContain(`  ${formatHash256(hash)}`);
        // Proposing what is allowed already would bounce: refused before sending.
        expect(await h.refused('proposeModel', [formatHash256(hash), ...at])).toContain('is already allowed (ERR_ALREADY_ALLOWED');
    });

    it('proposeParams with key=value overrides on the current parameters, then a parameters file', async () => {
        const out = await h.run('proposeParams', ['governanceDelay=2h', 'protocolFeeBps=2.5%', 'minStakeWorker=20', ...at]);
        expect(out).toContain('governanceDelay  1h (3600 s) -> 2h (7200 s)');
        expect(out).toContain('protocolFeeBps   1% (100 bps) -> 2.5% (250 bps)');
        expect(out).toContain('minStakeWorker   10 TON -> 20 TON');
        h.advance(HOUR);
        await h.run('executeProposal', ['0', ...at]);
        const params = await h.rootAt(root).getParams();
        expect(params.governanceDelay).toBe(7200n);
        expect(params.protocolFeeBps).toBe(250n);
        expect(params.minStakeWorker).toBe(toNano('20'));

        const file = join(mkdtempSync(join(tmpdir(), 'cocoon-params-')), 'params.json');
        const devnet = JSON.parse(readFileSync('scripts/config/devnet.json', 'utf8'));
        writeFileSync(file, JSON.stringify({ ...devnet.params, treasury: h.stranger.address.toString(), vetoWindow: 7200 }));
        const fromFile = await h.run('proposeParams', [file, 'unbondingDelay=2d', ...at]);
        expect(fromFile).toContain('governanceDelay  2h (7200 s) -> 1h (3600 s)');
        expect(fromFile).toContain('unbondingDelay   1h (3600 s) -> 2d (172800 s)');
        expect(fromFile).toContain('treasury');
        expect(fromFile).toContain('Proposal #1 created');
    });

    it('proposeParams refuses out-of-bounds values and no-op proposals, sending nothing', async () => {
        const bounds = await h.refused('proposeParams', ['governanceDelay=60', ...at]);
        expect(bounds).toContain('params.governanceDelay = 1m (60 s) is outside [1h (3600 s), 30d (2592000 s)]');
        expect(bounds).toContain('ERR_GOVERNANCE_DELAY_BOUNDS (exit code 779)');
        expect(await h.refused('proposeParams', ['treasury=' + root.toString(), ...at])).toContain(
            'params.treasury may not be the Root itself',
        );
        expect(await h.refused('proposeParams', ['governanceDelay=1h', ...at])).toContain('the proposed parameters equal the current ones');
    });

    it('an expired proposal cannot be executed; anyone may clear it with cancelProposal', async () => {
        await h.run('proposeAttestationRoot', [NEW_ROOT, ...at]);
        h.advance(HOUR + Number(PROPOSAL_GRACE_PERIOD) + 1);
        const expired = await h.refused('executeProposal', ['0', ...at]);
        expect(expired).toContain('proposal #0 expired at');
        expect(expired).toContain('ERR_PROPOSAL_EXPIRED');
        expect(await h.run('showRoot', at)).toContain('status: expired');
        expect(await h.run('cancelProposal', ['0', ...at], h.stranger)).toContain('Proposal #0 cancelled.');
        expect((await h.rootAt(root).getState()).proposalCount).toBe(0n);
    });

    it('cancelProposal: governance may cancel a pending proposal, a stranger may not; a missing id is named', async () => {
        await h.run('proposeAttestationRoot', [NEW_ROOT, ...at]);
        const stranger = await h.refused('cancelProposal', ['0', ...at], h.stranger);
        expect(stranger).toContain('is not governance or the guardian');
        expect(await h.run('cancelProposal', ['0', ...at])).toContain('Proposal #0 cancelled.');
        expect(await h.refused('cancelProposal', ['0', ...at])).toContain(
            'there is no pending proposal #0 (ERR_PROPOSAL_NOT_FOUND (exit code 513)); pending: none',
        );
    });

    it('proposeGuardian refuses a change that changes nothing', async () => {
        expect(await h.refused('proposeGuardian', ['none', ...at])).toContain('the Root has no guardian already');
        expect(await h.run('proposeGuardian', [h.guardian.address.toRawString(), ...at])).toContain(
            `propose to set the guardian to ${h.guardian.address.toString()}`,
        );
    });

    it('only governance may propose: another wallet is refused before sending', async () => {
        const message = await h.refused('proposeAttestationRoot', [NEW_ROOT, ...at], h.stranger);
        expect(message).toContain(`Not sent: the connected wallet ${h.stranger.address.toString()}`);
        expect(message).toContain(`is not governance (${h.governance.address.toString()})`);
    });

    it('governance hand-over: proposeGovernance -> executeProposal -> acceptGovernance by the new governance', async () => {
        await h.run('proposeGovernance', [h.newGovernance.address.toString(), ...at]);
        h.advance(HOUR);
        expect(await h.run('executeProposal', ['0', ...at])).toContain('The new governance must now send acceptGovernance.');
        expect(await h.refused('acceptGovernance', at, h.stranger)).toContain('is not the pending governance');
        expect(await h.run('acceptGovernance', at, h.newGovernance)).toContain(`Governance is now ${h.newGovernance.address.toString()}`);
        expect(await h.run('showRoot', at)).toContain(`governance          ${h.newGovernance.address.toString()}`);
        expect(await h.refused('proposeGovernance', [h.newGovernance.address.toString(), ...at], h.newGovernance)).toContain(
            'the new governance is the current one',
        );
    });

    it('cancelGovernanceTransfer withdraws an executed, unaccepted hand-over', async () => {
        expect(await h.refused('cancelGovernanceTransfer', at)).toContain('no governance hand-over is pending');
        await h.run('proposeGovernance', [h.newGovernance.address.toString(), ...at]);
        h.advance(HOUR);
        await h.run('executeProposal', ['0', ...at]);
        expect(await h.run('cancelGovernanceTransfer', at)).toContain('The governance hand-over is withdrawn.');
        expect(await h.refused('acceptGovernance', at, h.newGovernance)).toContain('no governance hand-over is pending');
    });

    it('while paused only governance may execute, and the pending governance cannot accept', async () => {
        await h.run('proposeGovernance', [h.newGovernance.address.toString(), ...at]);
        await h.run('proposeAttestationRoot', [NEW_ROOT, ...at]);
        h.advance(HOUR);
        await h.run('executeProposal', ['0', ...at]);
        await h.run('pause', at);
        expect(await h.refused('executeProposal', ['1', ...at], h.stranger)).toContain('is not governance');
        expect(await h.refused('acceptGovernance', at, h.newGovernance)).toContain('the Root is paused');
        expect(await h.run('executeProposal', ['1', ...at])).toContain('Proposal #1 executed');
    });

    it('--dry-run prints the message for a multisig to send, and sends nothing', async () => {
        const sent = h.provider.sent.length;
        const out = await h.run('proposeAttestationRoot', [NEW_ROOT, ...at, '--dry-run'], h.stranger);
        expect(out).toContain(`Dry run: nothing sent. The message to send from governance (${h.governance.address.toString()}):`);
        expect(out).toContain('value: 0.1 TON');
        const body = /body:\s+(\S+)/.exec(out)![1];
        const msg = loadProposeAddAttestationRoot(Cell.fromBase64(body).beginParse());
        expect(msg.rootHash).toBe(BigInt('0x' + NEW_ROOT));
        expect(h.provider.sent.length).toBe(sent);
        expect((await h.rootAt(root).getState()).proposalCount).toBe(0n);
    });
});
