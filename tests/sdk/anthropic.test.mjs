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
