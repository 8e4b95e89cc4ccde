// The openai package against wr-serve's OpenAI dialect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve, KEY, SYSTEM, USER, ANSWER } from './serve.mjs';

let plain, refusing;
before(async () => {
	plain = await serve();
	refusing = await serve(['--refuse', '1']);
});
after(async () => {
	await plain.stop();
	await refusing.stop();
});

const client = (s, apiKey = KEY) => new OpenAI({ apiKey, baseURL: `${s.url}/v1`, maxRetries: 0 });
const messages = [{ role: 'system', content: SYSTEM }, { role: 'user', content: USER }];

test('chat.completions.create returns the ratings', async () => {
	const r = await client(plain).chat.completions.create({ model: 'test-model', messages });
	assert.equal(r.object, 'chat.completion');
	assert.equal(r.choices[0].message.content, ANSWER);
	assert.equal(r.choices[0].finish_reason, 'stop');
	assert.equal(r.model, 'test-model');
});

test('max_tokens cuts the answer with finish_reason length', async () => {
	const r = await client(plain).chat.completions.create({ model: 'm', messages, max_tokens: 3 });
	assert.equal(r.choices[0].message.content, 'cat;5\nice cr');
	assert.equal(r.choices[0].finish_reason, 'length');
});

test('models.list lists wr-serve', async () => {
	const ids = [];
	for await (const m of client(plain).models.list())
		ids.push(m.id);
	assert.deepEqual(ids, ['wr-serve']);
});

test('a wrong key raises AuthenticationError', async () => {
	await assert.rejects(client(plain, 'wrong').chat.completions.create({ model: 'm', messages }),
	    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});

test('--rpm beyond the bucket raises RateLimitError with the limit headers', async () => {
	const s = await serve(['--rpm', '1', '--limit-burst', '60']);
	try {
		const { response } = await client(s).chat.completions.create({ model: 'm', messages })
		    .withResponse();
		assert.equal(response.headers.get('x-ratelimit-limit-requests'), '1');
		assert.equal(response.headers.get('x-ratelimit-remaining-requests'), '0');
		await assert.rejects(client(s).chat.completions.create({ model: 'm', messages }),
		    (e) => e instanceof OpenAI.RateLimitError && e.status === 429 && e.type === 'requests');
	} finally {
		await s.stop();
	}
});

test('a refusal is message.refusal', async () => {
	const r = await client(refusing).chat.completions.create({ model: 'm', messages });
	assert.equal(r.choices[0].message.content, null);
	assert.match(r.choices[0].message.refusal, /can't help/);
});

// The Files and Batches API, on a server of its own with a short clock.
const batchMessages = [{ role: 'system', content: SYSTEM }, { role: 'user', content: USER }];
const batchBody = (i) => ({ model: `batch-model-${i}`, messages: batchMessages });
const batchInput = (n) => Array.from({ length: n }, (_, i) => JSON.stringify({
	custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: batchBody(i),
}) + '\n').join('');

async function ended(c, id) {
	for (let i = 0; i < 500; i++) {
		const b = await c.batches.retrieve(id);
		if (['completed', 'failed', 'expired', 'cancelled'].includes(b.status))
			return b;
		await new Promise((r) => setTimeout(r, 20));
	}
	throw new Error(`batch ${id} did not end`);
}

test('files.create takes a File, a Blob and an fs stream of purpose batch', async () => {
	const s = await serve();
	try {
		const c = client(s), text = batchInput(2);
		const dir = mkdtempSync(path.join(tmpdir(), 'wr-sdk-'));
		writeFileSync(path.join(dir, 'in.jsonl'), text);
		const files = [
			await c.files.create({ file: new File([text], 'in.jsonl'), purpose: 'batch' }),
			await c.files.create({ file: await toFile(new Blob([text]), 'blob.jsonl'), purpose: 'batch' }),
			await c.files.create({ file: createReadStream(path.join(dir, 'in.jsonl')), purpose: 'batch' }),
		];
		rmSync(dir, { recursive: true });
		for (const f of files) {
			assert.equal(f.object, 'file');
			assert.equal(f.purpose, 'batch');
			assert.equal(f.status, 'processed');
			assert.equal(f.bytes, Buffer.byteLength(text));
			assert.match(f.id, /^file-[0-9a-f]{24}$/);
		}
		assert.deepEqual(files.map((f) => f.filename), ['in.jsonl', 'blob.jsonl', 'in.jsonl']);
		assert.equal(await (await c.files.content(files[0].id)).text(), text);
	} finally {
		await s.stop();
	}
});

test('a batch runs to completed and its output holds the live answers', async () => {
	const s = await serve(['--batch-time', '200']);
	try {
		const c = client(s);
		const f = await c.files.create({ file: new File([batchInput(3)], 'in.jsonl'), purpose: 'batch' });
		const b = await c.batches.create({ input_file_id: f.id, endpoint: '/v1/chat/completions',
		    completion_window: '24h', metadata: { run: 'sdk' } });
		assert.equal(b.object, 'batch');
		assert.equal(b.status, 'validating');
		assert.deepEqual(b.metadata, { run: 'sdk' });
		const done = await ended(c, b.id);
		assert.equal(done.status, 'completed');
		assert.deepEqual(done.request_counts, { total: 3, completed: 3, failed: 0 });
		assert.equal(done.error_file_id, null);
		const lines = (await (await c.files.content(done.output_file_id)).text())
		    .trimEnd().split('\n').map((l) => JSON.parse(l));
		assert.deepEqual(lines.map((l) => l.custom_id), ['r0', 'r1', 'r2']);
		for (let i = 0; i < 3; i++) {
			const live = await c.chat.completions.create(batchBody(i));
			assert.equal(lines[i].response.status_code, 200);
			assert.deepEqual(lines[i].response.body, live);
		}
		assert.equal(lines[0].response.body.choices[0].message.content, ANSWER);
	} finally {
		await s.stop();
	}
});

test('batches.list pages newest first and batches.cancel cancels', async () => {
	const s = await serve(['--batch-time', '2000']);
	try {
		const c = client(s);
		const f = await c.files.create({ file: new File([batchInput(20)], 'in.jsonl'), purpose: 'batch' });
		const made = [];
		for (let i = 0; i < 3; i++)
			made.push((await c.batches.create({ input_file_id: f.id, endpoint: '/v1/chat/completions',
			    completion_window: '24h', metadata: { n: String(i) } })).id);
		const seen = [];
		for await (const b of c.batches.list({ limit: 1 }))
			seen.push(b.id);
		assert.deepEqual(seen, made.reverse());
		const cancelling = await c.batches.cancel(made[0]);
		assert.equal(cancelling.status, 'cancelling');
		const cancelled = await ended(c, made[0]);
		assert.equal(cancelled.status, 'cancelled');
		assert.ok(cancelled.cancelled_at >= cancelled.cancelling_at);
	} finally {
		await s.stop();
	}
});

test('a batch of an unknown file raises NotFoundError', async () => {
	await assert.rejects(client(plain).batches.create({ input_file_id: 'file-none',
	    endpoint: '/v1/chat/completions', completion_window: '24h' }),
	    (e) => e instanceof OpenAI.NotFoundError && e.status === 404);
});

test('the batch APIs take the key as live calls do', async () => {
	await assert.rejects(client(plain, 'wrong').batches.list(),
	    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});
