// Start a wr-serve on a free loopback port for one test file: serve(args) -> {url, key, stop}.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.env.WR_BIN || path.join(here, '..', '..', 'build', 'bin');

export const KEY = 'sk-wr-sdk-test';

// The fixed request of tests/fixtures/serve-request.json, and its answer.
export const SYSTEM = 'You rate crossword entries from 1 to 5.';
export const USER = 'Rate each entry as entry;score.\n\ncat\nice cream\nquixotic\nzymurgy\nabidingness\nxyzzyq';
export const ANSWER = 'cat;5\nice cream;5\nquixotic;4\nzymurgy;3\nabidingness;2\nxyzzyq;1';

export function serve(args = []) {
	const child = spawn(path.join(bin, 'wr-serve'), ['-q', '-p', '0', ...args], {
		env: { ...process.env, WR_SERVE_KEY: KEY },
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	return new Promise((resolve, reject) => {
		child.on('error', reject);
		child.on('exit', (code) => reject(new Error(`wr-serve exited ${code} before it listened`)));
		createInterface({ input: child.stdout }).once('line', (line) => {
			resolve({
				url: `http://127.0.0.1:${line.trim()}`,
				stop() {
					return new Promise((done) => {
						child.removeAllListeners('exit');
						child.once('exit', done);
						child.kill('SIGTERM');
					});
				},
			});
		});
	});
}
