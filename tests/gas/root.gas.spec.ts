/**
 * Gas snapshot of every Root operation, compared with snapshots/gas.json.
 *
 * Each operation runs once, in a fixed order, on the fixture's deployment (fixed clock, fixed
 * treasuries), so the figures are deterministic. What is measured is documented on measure() in
 * tools/gas/snapshot.ts and in tools/gas/README.md. A figure moving by more than 5%, or an
 * operation appearing or disappearing, fails the test until the snapshot is rewritten with
 * `npm run gas:update` (GAS_SNAPSHOT_UPDATE=1) and the change is committed.
 */
import { SendMessageResult } from '@ton/sandbox';
import { toNano } from '@ton/core';
import { ROLE_PROXY, ROLE_WORKER } from '../../wrappers/Root';
import { DAY, HASHES, defaultParams, deployEnvironment } from '../fixtures/environment';
import {
    compareSection,
    measure,
    readSnapshot,
    Section,
    SNAPSHOT_PATH,
    TOLERANCE,
    UPDATE_COMMAND,
    writeSection,
} from '../../tools/gas/snapshot';

const UPDATE = process.env.GAS_SNAPSHOT_UPDATE === '1';
const CONTRACT = 'root';

describe('Root gas snapshot', () => {
    const measured: Section = {};
    let complete = false;

    it('runs every Root operation', async () => {
        const env = await deployEnvironment();
        const { blockchain, root, governance, newGovernance, stranger, treasury, advance } = env;
        const record = (op: string, result: SendMessageResult) => {
            if (measured[op]) throw new Error(`operation ${op} recorded twice`);
            measured[op] = measure(result.transactions, root.address);
        };

        record('deploy', env.deployResult);

        // ---- proposals: ids 0..7 in this order ----
        const gov = governance.getSender();
        record('propose.params', await root.sendProposeParams(gov, defaultParams(treasury.address, { protocolFeeBps: 200n })));
        record('propose.add_attestation_root', await root.sendProposeAddAttestationRoot(gov, HASHES.newRoot));
        record('propose.add_image', await root.sendProposeAddImage(gov, HASHES.newImage, ROLE_WORKER));
        record('propose.add_model', await root.sendProposeAddModel(gov, HASHES.newModel));
        record('propose.guardian', await root.sendProposeGuardian(gov, stranger.address));
        record('propose.governance', await root.sendProposeGovernance(gov, newGovernance.address));
        await root.sendProposeGovernance(gov, newGovernance.address); // 6: accepted after 5 is withdrawn
        await root.sendProposeAddModel(gov, 0x7777n); // 7: cancelled
        record('proposal.cancel', await root.sendCancelProposal(gov, 7n));

        // ---- execution, by anyone once the delay has passed ----
        advance(2 * DAY + 60);
        const anyone = stranger.getSender();
        record('execute.params', await root.sendExecuteProposal(anyone, 0n));
        record('execute.add_attestation_root', await root.sendExecuteProposal(anyone, 1n));
        record('execute.add_image', await root.sendExecuteProposal(anyone, 2n));
        record('execute.add_model', await root.sendExecuteProposal(anyone, 3n));
        record('execute.guardian', await root.sendExecuteProposal(anyone, 4n));
        record('execute.governance', await root.sendExecuteProposal(anyone, 5n));
        record('governance.cancel_transfer', await root.sendCancelGovernanceTransfer(gov));
        await root.sendExecuteProposal(anyone, 6n);
        record('governance.accept', await root.sendAcceptGovernance(newGovernance.getSender()));
        const newGov = newGovernance.getSender();

        // ---- proxy directory, from the Provider contract's address ----
        const owner = await blockchain.treasury('proxy-owner');
        const providerAddress = await root.getProviderAddress(owner.address, 0n);
        const provider = blockchain.sender(providerAddress);
        const list = (endpoint: string) =>
            root.send(
                provider,
                { value: toNano('0.05') },
                {
                    $$type: 'ListProxyForRoot',
                    queryId: 0n,
                    owner: owner.address,
                    nodeIndex: 0n,
                    imageHash: HASHES.proxyImage,
                    attestationRoot: HASHES.root,
                    endpoint,
                },
            );
        record('directory.list', await list('https://proxy-0.example.org:8443'));
        record('directory.relist', await list('https://proxy-0.example.org:9443'));
        record(
            'directory.delist_by_provider',
            await root.send(
                provider,
                { value: toNano('0.05') },
                { $$type: 'DelistProxyForRoot', queryId: 0n, owner: owner.address, nodeIndex: 0n },
            ),
        );
        await list('https://proxy-0.example.org:8443');
        record('directory.delist_by_governance', await root.sendDelistProxy(newGov, providerAddress));

        // ---- queries ----
        record('query.image', await root.sendQueryImage(anyone, HASHES.proxyImage, ROLE_PROXY, HASHES.root));
        record('query.params', await root.sendQueryParams(anyone));

        // ---- revocations, pause, guardian ----
        record('revoke.attestation_root', await root.sendRevokeAttestationRoot(newGov, HASHES.root));
        record('revoke.image', await root.sendRevokeImage(newGov, HASHES.workerImage, ROLE_WORKER));
        record('revoke.model', await root.sendRevokeModel(newGov, HASHES.model));
        record('pause.pause', await root.sendPause(newGov));
        record('pause.unpause', await root.sendUnpause(newGov));
        record('guardian.remove', await root.sendRemoveGuardian(newGov));
        complete = true;
    });

    it(UPDATE ? `writes ${SNAPSHOT_PATH}` : `matches ${SNAPSHOT_PATH} within ${TOLERANCE * 100}%`, () => {
        if (!complete) throw new Error('the operations did not all run (see the failure above); nothing to compare');
        if (UPDATE) {
            writeSection(CONTRACT, measured);
            return;
        }
        const snapshot = readSnapshot();
        if (!snapshot) throw new Error(`No gas snapshot at ${SNAPSHOT_PATH}. Create it with \`${UPDATE_COMMAND}\` and commit it.`);
        const problems = compareSection(CONTRACT, snapshot[CONTRACT], measured);
        if (problems.length > 0) {
            throw new Error(
                `Gas or fees moved by more than ${TOLERANCE * 100}% or operations changed:\n  ${problems.join('\n  ')}\n` +
                    `If this is intended, run \`${UPDATE_COMMAND}\` and commit snapshots/gas.json.`,
            );
        }
    });
});
