// The @google/genai package against wr-serve's Gemini dialect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GoogleGenAI } from '@google/genai';
import { serve, KEY, SYSTEM, USER, ANSWER } from './serve.mjs';

let plain, refusing, filtering;
before(async () => {
	plain = await serve();
	refusing = await serve(['--refuse', '1']);
	filtering = await serve(['--filter', '1']);
});
after(async () => {
	await Promise.all([plain.stop(), refusing.stop(), filtering.stop()]);
});

const client = (s, apiKey = KEY) => new GoogleGenAI({ apiKey, httpOptions: { baseUrl: s.url } });
const request = (maxOutputTokens = 1024) => ({
	model: 'gemini-2.0-flash',
	contents: USER,
	config: { systemInstruction: SYSTEM, maxOutputTokens, temperature: 0 },
});

test('models.generateContent returns the ratings', async () => {
	const r = await client(plain).models.generateContent(request());
	assert.equal(r.text, ANSWER);
	assert.equal(r.candidates[0].finishReason, 'STOP');
	assert.equal(r.modelVersion, 'gemini-2.0-flash');
	assert.ok(r.usageMetadata.promptTokenCount > 0);
});

test('maxOutputTokens cuts the answer with MAX_TOKENS', async () => {
	const r = await client(plain).models.generateContent(request(3));
	assert.equal(r.text, 'cat;5\nice cr');
	assert.equal(r.candidates[0].finishReason, 'MAX_TOKENS');
});

test('models.list lists wr-serve', async () => {
	const names = [];
	for await (const m of await client(plain).models.list())
		names.push(m.name);
	assert.deepEqual(names, ['models/wr-serve']);
});

// 1.0.0, the last release for node 18, raises ClientError (4xx) and
// ServerError (5xx) with the status in the message; later ones ApiError.status.
test('a wrong key raises ClientError with status 400 and API_KEY_INVALID', async () => {
	await assert.rejects(client(plain, 'wrong').models.generateContent(request()),
	    (e) => e.name === 'ClientError' && /^got status: 400 /.test(e.message) &&
		/API_KEY_INVALID/.test(e.message));
});

test('--fail-429 raises ClientError with RESOURCE_EXHAUSTED', async () => {
	const s = await serve(['--fail-429', '1']);
	try {
		await assert.rejects(client(s).models.generateContent(request()),
		    (e) => e.name === 'ClientError' && /^got status: 429 /.test(e.message) &&
			/RESOURCE_EXHAUSTED/.test(e.message));
	} finally {
		await s.stop();
	}
});

test('a refusal is finishReason SAFETY with no text', async () => {
	const r = await client(refusing).models.generateContent(request());
	assert.equal(r.candidates[0].finishReason, 'SAFETY');
	assert.equal(r.text, undefined);
});

test('a filter blocks the prompt: promptFeedback.blockReason SAFETY', async () => {
	const r = await client(filtering).models.generateContent(request());
	assert.equal(r.promptFeedback.blockReason, 'SAFETY');
	assert.equal(r.candidates, undefined);
});
