/**
 * Prints snapshots/gas.json as a table: `npm run gas`. The figures come from
 * tests/gas/*.gas.spec.ts; `npm run gas:update` measures them again and rewrites the file.
 */
import { readSnapshot, SNAPSHOT_PATH, UPDATE_COMMAND } from './snapshot';

export function formatTable(rows: string[][], rightAligned: boolean[]): string {
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    const line = (r: string[]) =>
        '| ' + r.map((cell, c) => (rightAligned[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(' | ') + ' |';
    const rule = '|' + widths.map((w, c) => (rightAligned[c] ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|';
    return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n');
}

/** Nanoton as TON with all nine decimals, so the column lines up. */
export function toTon(nano: number): string {
    const n = BigInt(nano);
    return `${n / 1_000_000_000n}.${(n % 1_000_000_000n).toString().padStart(9, '0')}`;
}

function main() {
    const snapshot = readSnapshot();
    if (!snapshot) {
        console.error(`No gas snapshot at ${SNAPSHOT_PATH}; create it with \`${UPDATE_COMMAND}\`.`);
        process.exit(1);
    }
    for (const [contract, section] of Object.entries(snapshot)) {
        // Sections whose operations reach the Root (the Provider's) show the Root's gas as well.
        const withRoot = Object.values(section).some((f) => f.rootGas !== undefined);
        const rows = [['operation', 'gas', ...(withRoot ? ['root gas'] : []), 'fees (TON)']];
        for (const [op, f] of Object.entries(section)) {
            rows.push([`${contract}.${op}`, String(f.gas), ...(withRoot ? [String(f.rootGas ?? 0)] : []), toTon(f.fees)]);
        }
        console.log(formatTable(rows, [false, true, ...(withRoot ? [true] : []), true]));
        console.log();
    }
}

if (require.main === module) main();
