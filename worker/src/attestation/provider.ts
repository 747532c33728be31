/**
 * Where quotes come from. The reference programs ask a QuoteProvider for a quote over 64 bytes of
 * report data and never care which one they have: configfs-tsm inside a real TD (configfsTsm.ts), or
 * the simulated one elsewhere (simulated.ts), which produces the same bytes signed under the test
 * root. Which one runs is decided by runtime.ts from the Root on chain, never by configuration alone.
 */
export type QuoteProviderKind = 'configfs-tsm' | 'simulated';

export interface QuoteProvider {
    readonly kind: QuoteProviderKind;
    /** A TDX quote whose TD report carries exactly `reportData` (64 bytes). */
    getQuote(reportData: Buffer): Promise<Buffer>;
}

export const REPORT_DATA_BYTES = 64;
