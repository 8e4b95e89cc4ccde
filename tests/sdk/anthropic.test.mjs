// The @anthropic-ai/sdk package against wr-serve's Anthropic dialect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { serve, KEY, SYSTEM, USER, ANSWER } from './serve.mjs';

let plain, refusing, overloaded;
before(async () => {
	plain = await serve();
	refusing = await serve(['--refuse', '1']);
	overloaded = await serve(['--overload', '1']);
});
after(async () => {
	await Promise.all([plain.stop(), refusing.stop(), overloaded.stop()]);
});

const client = (s, apiKey = KEY) => new Anthropic({ apiKey, baseURL: s.url, maxRetries: 0 });
const body = (max_tokens = 1024) => ({
	model: 'claude-test', max_tokens, system: SYSTEM, messages: [{ role: 'user', content: USER }],
});

test('messages.create returns the ratings', async () => {
	const m = await client(plain).messages.create(body());
	assert.equal(m.type, 'message');
	assert.equal(m.role, 'assistant');
	assert.deepEqual(m.content, [{ type: 'text', text: ANSWER }]);
	assert.equal(m.stop_reason, 'end_turn');
	assert.equal(m.model, 'claude-test');
	assert.ok(m.usage.input_tokens > 0 && m.usage.output_tokens > 0);
});

test('max_tokens cuts the answer with stop_reason max_tokens', async () => {
	const m = await client(plain).messages.create(body(3));
	assert.equal(m.content[0].text, 'cat;5\nice cr');
	assert.equal(m.stop_reason, 'max_tokens');
});

test('models.list lists wr-serve', async () => {
	const ids = [];
	for await (const m of client(plain).models.list())
		ids.push([m.type, m.id]);
	assert.deepEqual(ids, [['model', 'wr-serve']]);
});

test('a wrong key raises AuthenticationError', async () => {
	await assert.rejects(client(plain, 'wrong').messages.create(body()),
	    (e) => e instanceof Anthropic.AuthenticationError && e.status === 401);
});

test('an authToken (Bearer) is accepted as the key', async () => {
	const c = new Anthropic({ apiKey: null, authToken: KEY, baseURL: plain.url, maxRetries: 0 });
	const m = await c.messages.create(body());
	assert.equal(m.content[0].text, ANSWER);
});

test('--rpm beyond the bucket raises RateLimitError with the limit headers', async () => {
	const s = await serve(['--rpm', '1', '--limit-burst', '60']);
	try {
		const { response } = await client(s).messages.create(body()).withResponse();
		assert.equal(response.headers.get('anthropic-ratelimit-requests-limit'), '1');
		assert.equal(response.headers.get('anthropic-ratelimit-requests-remaining'), '0');
		await assert.rejects(client(s).messages.create(body()),
		    (e) => e instanceof Anthropic.RateLimitError && e.status === 429 &&
			Number(e.headers.get('retry-after')) >= 1);
	} finally {
		await s.stop();
	}
});

test('a refusal is stop_reason refusal', async () => {
	const m = await client(refusing).messages.create(body());
	assert.equal(m.stop_reason, 'refusal');
});

test('an overload is a 529 APIError of type overloaded_error', async () => {
	await assert.rejects(client(overloaded).messages.create(body()),
	    (e) => e instanceof Anthropic.APIError && e.status === 529 &&
		e.error?.error?.type === 'overloaded_error');
});

// Message Batches, on servers of their own with a short clock.
const params = (i) => ({ ...body(), model: `claude-batch-${i}` });
const requests = (n) => Array.from({ length: n }, (_, i) => ({ custom_id: `q${i}`, params: params(i) }));

async function ended(c, id) {
	for (let i = 0; i < 500; i++) {
		const b = await c.messages.batches.retrieve(id);
		if (b.processing_status === 'ended')
			return b;
		await new Promise((r) => setTimeout(r, 20));
	}
	throw new Error(`message batch ${id} did not end`);
}

test('messages.batches.create, retrieve and results stream the live answers', async () => {
	const s = await serve(['--batch-time', '200']);
	try {
		const c = client(s);
		const b = await c.messages.batches.create({ requests: requests(3) });
		assert.equal(b.type, 'message_batch');
		assert.equal(b.processing_status, 'in_progress');
		assert.equal(b.results_url, null);
		const done = await ended(c, b.id);
		assert.equal(done.results_url, `${s.url}/v1/messages/batches/${b.id}/results`);
		assert.deepEqual(done.request_counts,
		    { processing: 0, succeeded: 3, errored: 0, canceled: 0, expired: 0 });
		const results = [];
		for await (const r of await c.messages.batches.results(b.id))
			results.push(r);
		assert.deepEqual(results.map((r) => [r.custom_id, r.result.type]),
		    [['q0', 'succeeded'], ['q1', 'succeeded'], ['q2', 'succeeded']]);
		for (let i = 0; i < 3; i++)
			assert.deepEqual(results[i].result.message, await c.messages.create(params(i)));
		assert.equal(results[0].result.message.content[0].text, ANSWER);
	} finally {
		await s.stop();
	}
});

test('messages.batches.list pages newest first', async () => {
	const s = await serve();
	try {
		const c = client(s), made = [];
		for (let i = 0; i < 3; i++)
			made.push((await c.messages.batches.create({ requests: requests(1) })).id);
		const seen = [];
		for await (const b of c.messages.batches.list({ limit: 1 }))
			seen.push(b.id);
		assert.deepEqual(seen, made.reverse());
	} finally {
		await s.stop();
	}
});

test('messages.batches.cancel is canceling, then ended with canceled results', async () => {
	const s = await serve(['--batch-time', '2000']);
	try {
		const c = client(s);
		const b = await c.messages.batches.create({ requests: requests(10) });
		const canceling = await c.messages.batches.cancel(b.id);
		assert.equal(canceling.processing_status, 'canceling');
		assert.ok(canceling.cancel_initiated_at);
		const done = await ended(c, b.id);
		assert.equal(done.request_counts.canceled, 10);
		const types = [];
		for await (const r of await c.messages.batches.results(b.id))
			types.push(r.result.type);
		assert.deepEqual(types, Array(10).fill('canceled'));
	} finally {
		await s.stop();
	}
});

test('a custom_id off the pattern raises BadRequestError', async () => {
	await assert.rejects(client(plain).messages.batches.create({
		requests: [{ custom_id: 'not ok', params: params(0) }],
	}), (e) => e instanceof Anthropic.BadRequestError && e.status === 400 &&
	    e.error?.error?.type === 'invalid_request_error');
});
