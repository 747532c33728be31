/**
 * cocoon-attest: TDX quotes from the command line.
 *
 *     npm run attest -- show <quote.bin> [--json]
 *     npm run attest -- verify <quote.bin> --root <intel|test|hash>... [--collateral <file.json>] [--at <ISO time>]
 *                      [--image <hash>]... [--report-data <hex128>] [--tcb-status <s,s>] [--require-collateral] [--test] [--json]
 *     npm run attest -- simulate --out <quote.bin> [--mrtd <hex96>] [--rtmr0..3 <hex96>] [--mr-config-id <hex96>]
 *                      [--mr-owner <hex96>] [--mr-owner-config <hex96>] [--report-data <hex128>] [--debug]
 *                      [--quote-version 4|5] [--body tdx1.0|tdx1.5] [--collateral-out <file.json> --valid-from <ISO> --valid-until <ISO>]
 *
 * `verify` applies the same code as the reference programs (worker/src/attestation/verify.ts). The
 * policy is a production one unless --test is given: the simulated root is refused even when
 * listed with --root test. Without --image or --report-data those two checks are skipped, and the
 * output says so. Exit status: 0 verified (or done), 1 refused (the reason's code is printed),
 * 2 bad usage or unreadable input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Collateral, parseCollateral } from '../../worker/src/attestation/collateral';
import { AttestationError } from '../../worker/src/attestation/errors';
import { IMAGE_REGISTERS, ImageRegister, TdxRegisters } from '../../worker/src/attestation/imageHash';
import { isDebugTd, parseQuote, ParsedQuote, TD_ATTRIBUTE_SEPT_VE_DISABLE } from '../../worker/src/attestation/quote';
import { formatRootHash, INTEL_SGX_ROOT_CA_HASH, TEST_ROOT_HASH } from '../../worker/src/attestation/roots';
import { SimulatedAttestor } from '../../worker/src/attestation/simulated';
import { applyPolicy, DEFAULT_TCB_STATUSES, QuoteVerifier } from '../../worker/src/attestation/verify';
import { keyHash, parseCertificate, parsePemChain } from '../../worker/src/attestation/x509';

export interface Io {
    out: (line: string) => void;
    err: (line: string) => void;
}

const USAGE = `Usage: cocoon-attest <command> ...   (npm run attest -- <command> ...)
  show <quote.bin> [--json]
      print a quote's fields, its image hash and the root its chain names (nothing verified)
  verify <quote.bin> --root <intel|test|0xhash>... [--collateral <file.json>] [--at <ISO time>]
         [--image <0xhash>]... [--report-data <hex128>] [--tcb-status <s,s>] [--require-collateral] [--test] [--json]
      verify the quote against the roots (and collateral) at a time; --test allows the simulated root
  simulate --out <quote.bin> [--mrtd|--rtmr0|--rtmr1|--rtmr2|--rtmr3|--mr-config-id|--mr-owner|--mr-owner-config <hex96>]
         [--report-data <hex128>] [--debug] [--quote-version 4|5] [--body tdx1.0|tdx1.5]
         [--collateral-out <file.json> --valid-from <ISO> --valid-until <ISO>]
      write a simulated quote (signed under the simulated TEST root) for the given registers`;

class UsageError extends Error {}

/** Options given as --name value (repeatable where noted) or --flag; positionals in order. */
class Args {
    readonly positional: string[] = [];
    private readonly values = new Map<string, string[]>();
    private readonly flags = new Set<string>();
    private readonly used = new Set<string>();

    constructor(argv: string[], valued: readonly string[], switches: readonly string[]) {
        for (let i = 0; i < argv.length; i++) {
            const a = argv[i];
            if (!a.startsWith('--')) {
                this.positional.push(a);
                continue;
            }
            const name = a.slice(2);
            if (switches.includes(name)) this.flags.add(name);
            else if (valued.includes(name)) {
                const v = argv[++i];
                if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
                this.values.set(name, [...(this.values.get(name) ?? []), v]);
            } else throw new UsageError(`unknown option ${a}`);
        }
    }

    all(name: string): string[] {
        this.used.add(name);
        return this.values.get(name) ?? [];
    }

    one(name: string): string | undefined {
        const v = this.all(name);
        if (v.length > 1) throw new UsageError(`--${name} given ${v.length} times`);
        return v[0];
    }

    flag(name: string): boolean {
        return this.flags.has(name);
    }
}

function hexArg(v: string, bytes: number, what: string): Buffer {
    const h = v.startsWith('0x') ? v.slice(2) : v;
    if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(h)) throw new UsageError(`${what} must be ${bytes * 2} hex digits, got "${v}"`);
    return Buffer.from(h, 'hex');
}

function hashArg(v: string, what: string): bigint {
    return BigInt('0x' + hexArg(v, 32, what).toString('hex'));
}

function timeArg(v: string, what: string): Date {
    const d = new Date(v);
    if (!/^\d{4}-\d\d-\d\d/.test(v) || isNaN(d.getTime()))
        throw new UsageError(`${what} must be an ISO time like 2025-07-01T00:00:00Z, got "${v}"`);
    return d;
}

function readInput(path: string, what: string): Buffer {
    try {
        return readFileSync(path);
    } catch (e) {
        throw new UsageError(`cannot read ${what} "${path}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
}

const hex = (b: Buffer) => b.toString('hex');
const h256 = (v: bigint) => '0x' + v.toString(16).padStart(64, '0');

const REGISTER_OPTIONS: Record<string, ImageRegister> = {
    mrtd: 'mrtd',
    rtmr0: 'rtmr0',
    rtmr1: 'rtmr1',
    rtmr2: 'rtmr2',
    rtmr3: 'rtmr3',
    'mr-config-id': 'mrConfigId',
    'mr-owner': 'mrOwner',
    'mr-owner-config': 'mrOwnerConfig',
};

const REGISTER_LABELS: Record<ImageRegister, string> = {
    mrtd: 'MRTD',
    rtmr0: 'RTMR0',
    rtmr1: 'RTMR1',
    rtmr2: 'RTMR2',
    rtmr3: 'RTMR3',
    mrConfigId: 'MRCONFIGID',
    mrOwner: 'MROWNER',
    mrOwnerConfig: 'MROWNERCONFIG',
};

/** The chain's names and root hash as the quote states them, without verifying anything. */
function chainSummary(q: ParsedQuote): { names: string[]; root?: bigint; problem?: string } {
    try {
        const certs = parsePemChain(q.pckChainPem, 'PCK chain').map((d, i) => parseCertificate(d, `certificate ${i + 1}`));
        return { names: certs.map((c) => `${c.name} (serial ${c.serial})`), root: keyHash(certs[certs.length - 1].publicKeyPoint) };
    } catch (e) {
        return { names: [], problem: (e as Error).message };
    }
}

function describe(q: ParsedQuote, file: string) {
    const chain = chainSummary(q);
    const b = q.body;
    return {
        file,
        bytes: q.raw.length,
        padding: q.raw.length - q.end,
        version: q.version,
        body: b.type,
        teeType: '0x' + q.teeType.toString(16),
        qeVendorId: hex(q.qeVendorId),
        userData: hex(q.userData),
        imageHash: h256(q.imageHash),
        registers: Object.fromEntries(IMAGE_REGISTERS.map((r) => [r, hex(b.registers[r])])),
        tdAttributes: '0x' + b.tdAttributes.toString(16).padStart(16, '0'),
        debug: isDebugTd(b),
        septVeDisable: (b.tdAttributes & TD_ATTRIBUTE_SEPT_VE_DISABLE) !== 0n,
        xfam: hex(b.xfam),
        teeTcbSvn: hex(b.teeTcbSvn),
        mrSeam: hex(b.mrSeam),
        mrSignerSeam: hex(b.mrSignerSeam),
        ...(b.teeTcbSvn2 ? { teeTcbSvn2: hex(b.teeTcbSvn2), mrServiceTd: hex(b.mrServiceTd!) } : {}),
        reportData: hex(b.reportData),
        attestationKey: hex(q.attestationKey),
        qe: { mrSigner: hex(q.qeReport.mrSigner), isvProdId: q.qeReport.isvProdId, isvSvn: q.qeReport.isvSvn },
        pckChain: chain.names,
        ...(chain.problem ? { pckChainProblem: chain.problem } : {}),
        attestationRoot: chain.root === undefined ? null : formatRootHash(chain.root),
    };
}

function printTable(io: Io, rows: [string, string][]) {
    const w = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) io.out(`${k.padEnd(w)}  ${v}`);
}

function show(args: Args, io: Io): number {
    const file = args.positional[1];
    if (!file || args.positional.length > 2) throw new UsageError('show takes one quote file');
    const q = parseQuote(readInput(file, 'quote'));
    const d = describe(q, file);
    if (args.flag('json')) {
        io.out(JSON.stringify(d, null, 2));
        return 0;
    }
    printTable(io, [
        ['quote', `${file} (${d.bytes} bytes${d.padding ? `, the last ${d.padding} zero padding` : ''})`],
        ['version', `${d.version}, ${d.body} TD report, TEE type ${d.teeType}`],
        ['image hash', d.imageHash],
        ...IMAGE_REGISTERS.map((r): [string, string] => [REGISTER_LABELS[r], d.registers[r]]),
        ['TD attributes', `${d.tdAttributes} (debug: ${d.debug ? 'YES' : 'no'}, SEPT_VE_DISABLE: ${d.septVeDisable ? 'yes' : 'no'})`],
        ['XFAM', d.xfam],
        ['TEE TCB SVN', d.teeTcbSvn],
        ['MRSEAM', d.mrSeam],
        ...(d.teeTcbSvn2
            ? ([
                  ['TEE TCB SVN 2', d.teeTcbSvn2],
                  ['MRSERVICETD', d.mrServiceTd!],
              ] as [string, string][])
            : []),
        ['report data', d.reportData],
        ['attestation key', d.attestationKey],
        ['QE', `MRSIGNER ${d.qe.mrSigner}, ISVPRODID ${d.qe.isvProdId}, ISVSVN ${d.qe.isvSvn}`],
        ['PCK chain', d.pckChain.join(' <- ') || `unreadable: ${d.pckChainProblem}`],
        ['attestation root', `${d.attestationRoot ?? 'unknown'} (as stated; \`verify\` checks it)`],
    ]);
    return 0;
}

function rootArg(v: string): bigint {
    if (v === 'intel') return INTEL_SGX_ROOT_CA_HASH;
    if (v === 'test') return TEST_ROOT_HASH;
    return hashArg(v, '--root');
}

function verifyCmd(args: Args, io: Io): number {
    const file = args.positional[1];
    if (!file || args.positional.length > 2) throw new UsageError('verify takes one quote file');
    const roots = args.all('root').map(rootArg);
    if (roots.length === 0) throw new UsageError('verify needs at least one --root (intel, test, or an attestation root hash)');
    const images = args.all('image').map((v) => hashArg(v, '--image'));
    const reportDataArg = args.one('report-data');
    const reportData = reportDataArg === undefined ? undefined : hexArg(reportDataArg, 64, '--report-data');
    const atArg = args.one('at');
    const at = atArg === undefined ? new Date() : timeArg(atArg, '--at');
    const collateralFile = args.one('collateral');
    let collateral: Collateral | undefined;
    if (collateralFile !== undefined) {
        const text = readInput(collateralFile, 'collateral').toString('utf8');
        try {
            collateral = parseCollateral(text);
        } catch (e) {
            throw new UsageError(`collateral "${collateralFile}": ${(e as Error).message}`);
        }
    }
    const statusArg = args.one('tcb-status');
    const tcbStatuses = statusArg === undefined ? DEFAULT_TCB_STATUSES : statusArg.split(',').map((s) => s.trim());
    const isTest = args.flag('test');
    const quote = readInput(file, 'quote');

    const v = new QuoteVerifier().verifyEvidence(quote, { at, collateral });
    // Skipped checks are made vacuous (the quote's own value), and reported as not checked.
    applyPolicy(
        v,
        {
            isTest,
            trustedRoots: new Set(roots),
            allowedImages: new Set(images.length ? images : [v.imageHash]),
            tcbStatuses,
            requireCollateral: args.flag('require-collateral'),
        },
        reportData ?? v.quote.body.reportData,
    );
    const result = {
        verified: true,
        at: at.toISOString(),
        imageHash: h256(v.imageHash),
        imageChecked: images.length > 0,
        attestationRoot: formatRootHash(v.rootKeyHash),
        policy: isTest ? 'test (the simulated root may be trusted)' : 'production (the simulated root is refused)',
        tcb: v.tcb ?? null,
        reportData: hex(v.quote.body.reportData),
        reportDataChecked: reportData !== undefined,
        debug: v.debug,
        validFrom: v.validFrom.toISOString(),
        validUntil: v.validUntil.toISOString(),
    };
    if (args.flag('json')) {
        io.out(JSON.stringify(result, null, 2));
        return 0;
    }
    printTable(io, [
        ['verified', `yes, at ${result.at}`],
        ['policy', result.policy],
        ['attestation root', `${result.attestationRoot}, trusted`],
        ['image hash', `${result.imageHash}${result.imageChecked ? ', allowed' : ' (not checked: no --image given)'}`],
        ['TD attributes', 'no debug bit'],
        [
            'TCB',
            v.tcb
                ? `${v.tcb.status} (FMSPC ${v.tcb.fmspc}; advisories: ${v.tcb.advisoryIds.join(', ') || 'none'})`
                : 'not evaluated (no --collateral given)',
        ],
        ['report data', `${result.reportData}${result.reportDataChecked ? ', as expected' : ' (not checked: no --report-data given)'}`],
        ['evidence valid', `from ${result.validFrom} until ${result.validUntil}`],
    ]);
    return 0;
}

function simulate(args: Args, io: Io): number {
    if (args.positional.length > 1) throw new UsageError(`simulate takes no positional argument, got "${args.positional[1]}"`);
    const out = args.one('out');
    if (!out) throw new UsageError('simulate needs --out <file>');
    const registers: Partial<TdxRegisters> = {};
    for (const [opt, reg] of Object.entries(REGISTER_OPTIONS)) {
        const v = args.one(opt);
        if (v !== undefined) registers[reg] = hexArg(v, 48, `--${opt}`);
    }
    const rd = args.one('report-data');
    const versionArg = args.one('quote-version') ?? '4';
    if (versionArg !== '4' && versionArg !== '5') throw new UsageError(`--quote-version must be 4 or 5, got "${versionArg}"`);
    const bodyArg = args.one('body');
    if (bodyArg !== undefined && bodyArg !== 'tdx1.0' && bodyArg !== 'tdx1.5')
        throw new UsageError(`--body must be tdx1.0 or tdx1.5, got "${bodyArg}"`);
    if (bodyArg === 'tdx1.5' && versionArg === '4')
        throw new UsageError('a version 4 quote has a TDX 1.0 body: give --quote-version 5 with --body tdx1.5');
    const collateralOut = args.one('collateral-out');
    const from = args.one('valid-from');
    const until = args.one('valid-until');
    if (collateralOut !== undefined && (from === undefined || until === undefined))
        throw new UsageError('--collateral-out needs --valid-from and --valid-until');
    if (collateralOut === undefined && (from !== undefined || until !== undefined))
        throw new UsageError('--valid-from and --valid-until go with --collateral-out');

    const attestor = new SimulatedAttestor();
    const quote = attestor.quote({
        reportData: rd === undefined ? Buffer.alloc(64) : hexArg(rd, 64, '--report-data'),
        registers,
        tdAttributes: args.flag('debug') ? TD_ATTRIBUTE_SEPT_VE_DISABLE | 1n : undefined,
        version: Number(versionArg) as 4 | 5,
        body: bodyArg === 'tdx1.0' ? 'TDX1.0' : bodyArg === 'tdx1.5' ? 'TDX1.5' : undefined,
    });
    writeFileSync(out, quote);
    const q = parseQuote(quote);
    io.out(`wrote ${out}: simulated TDX quote v${q.version} (${q.body.type}), ${quote.length} bytes`);
    io.out(`image hash        ${h256(q.imageHash)}`);
    io.out(`attestation root  ${formatRootHash(attestor.rootKeyHash)}`);
    if (collateralOut !== undefined) {
        const c = attestor.collateral({ issueDate: timeArg(from!, '--valid-from'), nextUpdate: timeArg(until!, '--valid-until') });
        writeFileSync(collateralOut, JSON.stringify(c, null, 2) + '\n');
        io.out(`wrote ${collateralOut}: simulated collateral valid ${from} .. ${until}`);
    }
    return 0;
}

export async function main(argv: string[], io: Io = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
    const command = argv[0];
    try {
        if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
            io.out(USAGE);
            return command === undefined ? 2 : 0;
        }
        if (command === 'show') return show(new Args(argv, [], ['json']), io);
        if (command === 'verify')
            return verifyCmd(
                new Args(argv, ['root', 'collateral', 'at', 'image', 'report-data', 'tcb-status'], ['require-collateral', 'test', 'json']),
                io,
            );
        if (command === 'simulate')
            return simulate(
                new Args(
                    argv,
                    [
                        'out',
                        'report-data',
                        'quote-version',
                        'body',
                        'collateral-out',
                        'valid-from',
                        'valid-until',
                        ...Object.keys(REGISTER_OPTIONS),
                    ],
                    ['debug'],
                ),
                io,
            );
        throw new UsageError(`unknown command "${command}"`);
    } catch (e) {
        if (e instanceof UsageError) {
            io.err(`cocoon-attest: ${e.message}`);
            io.err('`npm run attest -- help` prints the usage.');
            return 2;
        }
        if (e instanceof AttestationError) {
            io.err(`cocoon-attest: ${command === 'verify' ? 'refused: ' : ''}${e.message}`);
            return 1;
        }
        throw e;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (e) => {
            console.error(e);
            process.exitCode = 2;
        },
    );
}
