/**
 * The seeded generator of the randomised tests: mulberry32, small and fast, enough to pick inputs
 * reproducibly. Each test prints its seed and takes another from an environment variable.
 */
export function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** The seed from `envVar`, or a fresh random one; printed either way with how to replay it. */
export function seedFrom(envVar: string, what: string): number {
    const raw = process.env[envVar];
    const seed = raw !== undefined && raw !== '' ? Number(raw) : Math.floor(Math.random() * 2 ** 31);
    if (!Number.isSafeInteger(seed)) throw new Error(`${envVar}=${raw} is not a whole number`);
    console.log(`${what} seed: ${seed} (replay with ${envVar}=${seed})`);
    return seed;
}
