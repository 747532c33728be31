import { main } from '../tools/demo/root';

jest.setTimeout(120_000);

// `npm run demo` is the README's first command after install: keep it working. It runs the
// operator scripts through blueprint's NetworkProvider over the local devnet's HTTP API.
it('the demo runs every step on the devnet: early execution refused, a proxy listed, revoked, re-checked and delisted', async () => {
    const lines: string[] = [];
    await main((l) => lines.push(l));
    const out = lines.join('\n');
    expect(out).toMatch(/Local devnet at http:\/\/127\.0\.0\.1:\d+\/api\/v2\/jsonRPC/);
    expect(out).toMatch(/refused: Not sent: proposal #0 is not executable yet/);
    expect(out).toMatch(/Proposal #0 executed: allow image 0x[0-9a-f]{64} for worker, proxy/);
    expect(out).toMatch(/Proposal #1 executed: allow model/);
    expect(out).toMatch(/Registered node 0 as a proxy: status registered\./);
    expect(out).toMatch(/Binding accepted: TEE key 0x[0-9a-f]{64} is bound until/);
    expect(out).toMatch(
        /Status: registered -> active\.\nListed in the Root's proxy directory with endpoint https:\/\/proxy-1\.local:8443\./,
    );
    expect(out).toMatch(/Proxy directory \(1 of at most 64\)/);
    expect(out).toMatch(/revoked for proxy: still allowed for worker/);
    expect(out).toMatch(/Status: active -> suspended\./);
    expect(out).toMatch(/ {2}status {9}suspended\n/);
    expect(out).toMatch(/ {2}Root's directory {2}no entry/);
});
