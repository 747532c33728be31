/**
 * Gas of every job-escrow flow (tools/gas/escrowFlows.ts), compared with snapshots/gas.json
 * (section "escrow") within 5%, and with Cocoon's figures for the same flows: each of ours must use
 * no more gas than Cocoon's FunC build. `npm run bench:escrow` runs this file and prints the table
 * (set ESCROW_BENCH=1 to print it from any run).
 *
 *   gas   the protocol's own contracts' compute gas (Root, Provider, Escrow, PayoutAccount),
 *         summed over every transaction of the flow;
 *   fees  every fee over the flow's message chain, forwarding included (tools/gas/snapshot.ts).
 */
import '@ton/test-utils';
import { compareSection, readSnapshot, SNAPSHOT_PATH, TOLERANCE, UPDATE_COMMAND, writeSection, Section } from '../../tools/gas/snapshot';
import { COCOON_REFERENCE, runEscrowFlows } from '../../tools/gas/escrowFlows';
import { formatTable, toTon } from '../../tools/gas/print';

const UPDATE = process.env.GAS_SNAPSHOT_UPDATE === '1';
const CONTRACT = 'escrow';

describe('Escrow gas', () => {
    let flows: Section | undefined;

    beforeAll(async () => {
        flows = (await runEscrowFlows()).flows;
        if (process.env.ESCROW_BENCH === '1') {
            const rows = [['flow', 'gas (ours)', 'Cocoon FunC', 'Cocoon Tolk', 'ours vs FunC', 'fees (TON)']];
            for (const [name, f] of Object.entries(flows)) {
                const ref = COCOON_REFERENCE[name];
                const vs = ref ? `${(((f.gas - ref[0]) / ref[0]) * 100).toFixed(1)}%` : '';
                rows.push([name, String(f.gas), ref ? String(ref[0]) : '', ref ? String(ref[1]) : '', vs, toTon(f.fees)]);
            }
            console.log(formatTable(rows, [false, true, true, true, true, true]));
        }
    });

    it(UPDATE ? `writes ${SNAPSHOT_PATH}` : `matches ${SNAPSHOT_PATH} within ${TOLERANCE * 100}%`, () => {
        if (!flows) throw new Error('the flows did not run');
        if (UPDATE) {
            writeSection(CONTRACT, flows);
            return;
        }
        const snapshot = readSnapshot();
        if (!snapshot) throw new Error(`No gas snapshot at ${SNAPSHOT_PATH}. Create it with \`${UPDATE_COMMAND}\` and commit it.`);
        const problems = compareSection(CONTRACT, snapshot[CONTRACT], flows);
        if (problems.length > 0) {
            throw new Error(
                `Gas or fees moved by more than ${TOLERANCE * 100}% or flows changed:\n  ${problems.join('\n  ')}\n` +
                    `If this is intended, run \`${UPDATE_COMMAND}\` and commit snapshots/gas.json.`,
            );
        }
    });

    it.each(Object.keys(COCOON_REFERENCE))("%s uses no more gas than Cocoon's FunC build", (name) => {
        expect(flows![name]).toBeDefined();
        expect(flows![name].gas).toBeLessThanOrEqual(COCOON_REFERENCE[name][0]);
    });
});
