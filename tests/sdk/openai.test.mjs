// The openai package against wr-serve's OpenAI dialect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
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
