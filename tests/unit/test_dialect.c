/* Unit tests for the provider dialects: request translation, answer reading, errors, rate-limit headers, URLs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "unit.h"

/* Table JSON is written with ' for " to stay readable; no test text needs an apostrophe. */
static char *
q(const char *s)
{
	char *t = wr_strdup(s), *p;

	for (p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

static void
collect(void *arg, const char *field)
{
	struct wr_buf *b = arg;

	if (b->len)
		wr_buf_addc(b, '|');
	wr_buf_adds(b, field);
}

static const struct wr_dialect *
dialect(const char *name)
{
	const struct wr_dialect *d = wr_dialect_find(name);

	if (!d) {
		fprintf(stderr, "no dialect %s\n", name);
		exit(1);
	}
	return d;
}

/* Each row: dialect, OpenAI body, entries; then the path, the native body and the warnings, or the reason. */
static const struct {
	const char *api, *body;
	size_t nentries;
	const char *path, *out, *warns, *why;
} req[] = {
	/* anthropic */
	{"anthropic", "{'model':'claude-x','messages':[{'role':'user','content':'hi'}]}", 3,
	 "/messages", "{'model':'claude-x','max_tokens':112,'messages':[{'role':'user','content':'hi'}]}", "", NULL},
	{"anthropic", "{'model':'claude-x','messages':[{'role':'system','content':'S1'},{'role':'user','content':'u'},"
	 "{'role':'developer','content':'D1'}],'max_tokens':20}", 1,
	 "/messages", "{'model':'claude-x','max_tokens':20,'system':'S1\\n\\nD1','messages':[{'role':'user','content':'u'}]}", "", NULL},
	{"anthropic", "{'model':'m','messages':[{'role':'system','content':[{'type':'text','text':'a'},{'type':'text','text':'b'}]},"
	 "{'role':'user','content':'u'},{'role':'assistant','content':'v'},{'role':'user','content':'w'}],'max_completion_tokens':9}", 0,
	 "/messages", "{'model':'m','max_tokens':9,'system':'ab','messages':[{'role':'user','content':'u'},"
	 "{'role':'assistant','content':'v'},{'role':'user','content':'w'}]}", "", NULL},
	{"anthropic", "{'model':'m','messages':[{'role':'user','content':[{'type':'text','text':'a'},"
	 "{'type':'image_url','image_url':{'url':'x'}},{'type':'text','text':'b'}]}]}", 0,
	 "/messages", "{'model':'m','max_tokens':64,'messages':[{'role':'user','content':[{'type':'text','text':'a'},"
	 "{'type':'text','text':'b'}]}]}", "messages.content (non-text part)", NULL},
	{"anthropic", "{'model':'m','messages':[{'role':'user','content':'u'}],'stop':'END','max_tokens':5,'max_completion_tokens':7}", 0,
	 "/messages", "{'model':'m','max_tokens':5,'messages':[{'role':'user','content':'u'}],'stop_sequences':['END']}", "", NULL},
	{"anthropic", "{'model':'m','messages':[{'role':'user','content':'u'}],'stop':['a','b']}", 0,
	 "/messages", "{'model':'m','max_tokens':64,'messages':[{'role':'user','content':'u'}],'stop_sequences':['a','b']}", "", NULL},
	{"anthropic", "{'model':'m','messages':[{'role':'user','content':'u'}],'temperature':1.5}", 0,
	 "/messages", "{'model':'m','max_tokens':64,'messages':[{'role':'user','content':'u'}],'temperature':1}", "temperature", NULL},
	{"anthropic", "{'model':'m','messages':[{'role':'user','content':'u'}],'temperature':0.7}", 0,
	 "/messages", "{'model':'m','max_tokens':64,'messages':[{'role':'user','content':'u'}],'temperature':0.7}", "", NULL},
	{"anthropic", "{'model':'m','messages':[{'role':'user','content':'u'}],'top_p':0.9,'temperature':0.2}", 0,
	 "/messages", "{'model':'m','max_tokens':64,'messages':[{'role':'user','content':'u'}],'temperature':0.2}", "top_p", NULL},
	{"anthropic", "{'model':'m','messages':[{'role':'user','content':'u'}],'top_p':0.9,'user':'me'}", 0,
	 "/messages", "{'model':'m','max_tokens':64,'messages':[{'role':'user','content':'u'}],'top_p':0.9,"
	 "'metadata':{'user_id':'me'}}", "", NULL},
	{"anthropic", "{'model':'m','response_format':{'type':'json_object'},'logprobs':true,'top_logprobs':3,'seed':1,"
	 "'frequency_penalty':0,'presence_penalty':0,'logit_bias':{},'n':2,'stream':true,'tools':[],'seed':2,"
	 "'frobnicate':1,'messages':[{'role':'user','content':'u'}]}", 0,
	 "/messages", "{'model':'m','max_tokens':64,'messages':[{'role':'user','content':'u'}]}",
	 "response_format|logprobs|top_logprobs|seed|frequency_penalty|presence_penalty|logit_bias|n|stream|tools|frobnicate", NULL},
	{"anthropic", "{'model':'m','n':1,'stream':false,'logprobs':false,'seed':null,'stop':null,'messages':[{'role':'user','content':'u'}]}", 0,
	 "/messages", "{'model':'m','max_tokens':64,'messages':[{'role':'user','content':'u'}]}", "", NULL},
	{"anthropic", "{'model':'m','messages':[{'role':'user','content':'u','name':'x'},{'role':'assistant','content':null,"
	 "'tool_calls':[{'id':'1'}]},{'role':'tool','content':'r','tool_call_id':'1'},{'role':'user','content':'w'}]}", 0,
	 "/messages", "{'model':'m','max_tokens':64,'messages':[{'role':'user','content':'u'},{'role':'user','content':'w'}]}",
	 "messages.name|messages.tool_calls|messages.content|messages.tool_call_id|role tool", NULL},
	{"anthropic", "{'model':'m','messages':[{'role':'user','content':'a\\nb \\'q\\' \\u00e9\\/'}]}", 0,
	 "/messages", "{'model':'m','max_tokens':64,'messages':[{'role':'user','content':'a\\nb \\'q\\' \xc3\xa9/'}]}", "", NULL},
	{"anthropic", "{'model':'m','messages':[7,{'role':7,'content':'x'},{'content':'y'},{'role':'user','content':''},"
	 "{'role':'user','content':[]}]}", 0,
	 "/messages", "{'model':'m','max_tokens':64,'messages':[{'role':'user','content':''}]}",
	 "messages (not an object)|messages.role|messages.content", NULL},
	{"anthropic", "{'model':'m','messages':[{'role':'user','content':'\\ud800'}]}", 0, NULL, NULL, "",
	 "messages is not an array of valid messages"},
	{"anthropic", "{'messages':[{'role':'user','content':'u'}]}", 0, NULL, NULL, "", "no model"},
	{"anthropic", "{'model':'m'}", 0, NULL, NULL, "", "no messages"},
	{"anthropic", "{'model':'m','messages':[{'role':'system','content':'s'}]}", 0, NULL, NULL, "", "no user or assistant messages"},
	{"anthropic", "{'model':'m','messages':{}}", 0, NULL, NULL, "", "messages is not an array of valid messages"},
	/* gemini */
	{"gemini", "{'model':'gemini-2.5-flash','messages':[{'role':'user','content':'hi'}]}", 3,
	 "/models/gemini-2.5-flash:generateContent", "{'contents':[{'role':'user','parts':[{'text':'hi'}]}]}", "", NULL},
	{"gemini", "{'model':'models/gemini-x','messages':[{'role':'system','content':'S'},{'role':'user','content':'u'},"
	 "{'role':'assistant','content':'v'},{'role':'developer','content':[{'type':'text','text':'D'}]}]}", 0,
	 "/models/gemini-x:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]},{'role':'model','parts':[{'text':'v'}]}],"
	 "'systemInstruction':{'parts':[{'text':'S\\n\\nD'}]}}", "", NULL},
	{"gemini", "{'model':'tunedModels/my-tune','messages':[{'role':'user','content':'u'}]}", 0,
	 "/tunedModels/my-tune:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}]}", "", NULL},
	{"gemini", "{'model':'a b/c:d','messages':[{'role':'user','content':'u'}]}", 0,
	 "/models/a%20b%2Fc%3Ad:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}]}", "", NULL},
	{"gemini", "{'model':'g','messages':[{'role':'user','content':[{'type':'text','text':'a'},{'type':'input_audio'},"
	 "{'type':'text','text':'b'}]}]}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'a'},{'text':'b'}]}]}",
	 "messages.content (non-text part)", NULL},
	{"gemini", "{'model':'g','messages':[{'role':'user','content':'u'}],'max_tokens':10,'temperature':1.5,'top_p':0.9,"
	 "'stop':'X','n':2,'seed':7,'presence_penalty':0.1,'frequency_penalty':0.2}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}],'generationConfig':{'maxOutputTokens':10,"
	 "'temperature':1.5,'topP':0.9,'stopSequences':['X'],'candidateCount':2,'seed':7,'presencePenalty':0.1,"
	 "'frequencyPenalty':0.2}}", "", NULL},
	{"gemini", "{'model':'g','messages':[{'role':'user','content':'u'}],'max_completion_tokens':33,'stop':['a','b']}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}],'generationConfig':{'maxOutputTokens':33,"
	 "'stopSequences':['a','b']}}", "", NULL},
	/* stop first in generationConfig: no comma before it; a stop of another type is dropped. */
	{"gemini", "{'model':'g','messages':[{'role':'user','content':'u'}],'stop':'X'}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}],'generationConfig':{"
	 "'stopSequences':['X']}}", "", NULL},
	{"gemini", "{'model':'g','messages':[{'role':'user','content':'u'}],'stop':{},'seed':3}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}],'generationConfig':{"
	 "'seed':3}}", "stop", NULL},
	{"anthropic", "{'model':'m','messages':[{'role':'user','content':'u'}],'stop':true}", 0,
	 "/messages", "{'model':'m','max_tokens':64,'messages':[{'role':'user','content':'u'}]}", "stop", NULL},
	{"gemini", "{'model':'g'}", 0, NULL, NULL, "", "no messages"},
	{"gemini", "{'model':'g','messages':'hi'}", 0, NULL, NULL, "", "messages is not an array of valid messages"},
	{"gemini", "{'model':'g','messages':[{'role':'user','content':'bad \\ud800'}]}", 0, NULL, NULL, "",
	 "messages is not an array of valid messages"},
	{"gemini", "{'model':'g','messages':[{'role':'user','content':'u'}],'logprobs':true,'top_logprobs':5}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}],'generationConfig':{'responseLogprobs':true,"
	 "'logprobs':5}}", "", NULL},
	{"gemini", "{'model':'g','messages':[{'role':'user','content':'u'}],'logprobs':true,'top_logprobs':0}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}],'generationConfig':{'responseLogprobs':true}}",
	 "", NULL},
	{"gemini", "{'model':'g','messages':[{'role':'user','content':'u'}],'top_logprobs':5,'logprobs':false}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}]}", "top_logprobs", NULL},
	{"gemini", "{'model':'g','messages':[{'role':'user','content':'u'}],'response_format':{'type':'json_object'}}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}],"
	 "'generationConfig':{'responseMimeType':'application/json'}}", "", NULL},
	{"gemini", "{'model':'g','messages':[{'role':'user','content':'u'}],'response_format':{'type':'json_schema',"
	 "'json_schema':{'name':'r','strict':true,'schema':{'type':'object','properties':{'w':{'type':'string'}}}}}}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}],"
	 "'generationConfig':{'responseMimeType':'application/json','responseJsonSchema':{'type':'object','properties':"
	 "{'w':{'type':'string'}}}}}", "", NULL},
	{"gemini", "{'model':'g','messages':[{'role':'user','content':'u'}],'response_format':{'type':'text'}}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}]}", "", NULL},
	{"gemini", "{'model':'g','messages':[{'role':'user','content':'u'}],'response_format':{'type':'json_schema'}}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}]}", "response_format", NULL},
	{"gemini", "{'model':'g','user':'me','logit_bias':{},'tools':[],'stream':true,'stream':false,'reasoning_effort':'low',"
	 "'user':'you','messages':[{'role':'user','content':'u'}],'temperature':'hot'}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}]}",
	 "user|logit_bias|tools|stream|reasoning_effort|temperature", NULL},
	{"gemini", "{'model':'g','messages':[{'role':'user','content':'u'}],'stream':'false','logprobs':'true','top_logprobs':2}", 0,
	 "/models/g:generateContent", "{'contents':[{'role':'user','parts':[{'text':'u'}]}]}", "stream|logprobs|top_logprobs", NULL},
	{"anthropic", "{'model':'m','messages':[{'role':'user','content':'u'}],'stream':'false','n':'1','max_tokens':'9'}", 0,
	 "/messages", "{'model':'m','max_tokens':64,'messages':[{'role':'user','content':'u'}]}", "stream|n|max_tokens", NULL},
	{"gemini", "{'messages':[{'role':'user','content':'u'}]}", 0, NULL, NULL, "", "no model"},
	{"gemini", "{'model':'models/','messages':[{'role':'user','content':'u'}]}", 0, NULL, NULL, "", "no model"},
	{"gemini", "{'model':7,'messages':[{'role':'user','content':'u'}]}", 0, NULL, NULL, "", "no model"},
	{"gemini", "{'model':'g','messages':[]}", 0, NULL, NULL, "", "no user or assistant messages"},
	/* openai: the body goes as it is */
	{"openai", "{'model':'gpt','messages':[{'role':'user','content':'u'}],'seed':1}", 0, "", "", "", NULL},
};

static void
test_request(void)
{
	struct wr_json j;
	struct wr_buf path = {0}, out = {0}, warns = {0};
	size_t i;

	wr_json_init(&j);
	for (i = 0; i < sizeof req / sizeof *req; i++) {
		char *body = q(req[i].body), *wp = req[i].path ? q(req[i].path) : NULL, *wo = req[i].out ? q(req[i].out) : NULL;
		const char *why = NULL, *perr;
		int rc;

		if (wr_json_parse(&j, body, strlen(body), &perr) < 0) {
			CHECK(0, "request %zu: body does not parse: %s", i, perr);
			goto next;
		}
		wr_buf_reset(&path);
		wr_buf_reset(&out);
		wr_buf_reset(&warns);
		wr_buf_add(&path, "", 0);
		wr_buf_add(&out, "", 0);
		wr_buf_add(&warns, "", 0);
		rc = dialect(req[i].api)->request(&j, 0, req[i].nentries, &path, &out, collect, &warns, &why);
		if (req[i].why) {
			CHECK(rc == -1 && why && strcmp(why, req[i].why) == 0, "request %zu: rc %d why %s", i, rc,
			    why ? why : "(none)");
		} else {
			CHECK(rc == 0, "request %zu: rc %d why %s", i, rc, why ? why : "(none)");
			CHECK(strcmp(path.s, wp) == 0, "request %zu: path %s", i, path.s);
			CHECK(strcmp(out.s, wo) == 0, "request %zu: body\n got %s\nwant %s", i, out.s, wo);
			CHECK(out.len == 0 || wr_json_valid(out.s, out.len), "request %zu: native body is not JSON", i);
		}
		CHECK(strcmp(warns.s, req[i].warns) == 0, "request %zu: warnings '%s'", i, warns.s);
next:
		free(body);
		free(wp);
		free(wo);
	}
	/* warn may be NULL: fields are still dropped. */
	{
		char *body = q("{'model':'m','seed':1,'messages':[{'role':'user','content':'u'}]}");
		const char *perr, *why = NULL;
		wr_buf_reset(&out);
		CHECK(wr_json_parse(&j, body, strlen(body), &perr) == 0 &&
		    wr_dialect_anthropic.request(&j, 0, 1, &path, &out, NULL, NULL, &why) == 0, "NULL warn");
		free(body);
	}
	wr_buf_free(&path);
	wr_buf_free(&out);
	wr_buf_free(&warns);
	wr_json_free(&j);
}

/* Each row: dialect, answer body; kind, cut, text (NULL: none), model (NULL: none), prompt, completion, cached, why. */
static const struct {
	const char *api, *body;
	int kind, cut;
	const char *text, *model;
	double prompt, completion, cached;
	const char *why;
} ans[] = {
	{"openai", "{'id':'c','object':'chat.completion','model':'gpt-4o-mini','choices':[{'index':0,'message':{'role':'assistant',"
	 "'content':'a;4\\nb;3','refusal':null},'finish_reason':'stop'}],'usage':{'prompt_tokens':10,'completion_tokens':5,"
	 "'total_tokens':15,'prompt_tokens_details':{'cached_tokens':2}}}",
	 WR_READ_ANSWER, 0, "a;4\nb;3", "gpt-4o-mini", 10, 5, 2, NULL},
	{"openai", "{'model':'gpt','choices':[{'message':{'role':'assistant','content':null,'refusal':'I will not rate these.'},"
	 "'finish_reason':'stop'}],'usage':{'prompt_tokens':10,'completion_tokens':6}}",
	 WR_READ_REFUSED, 0, NULL, "gpt", 10, 6, -1, "refusal"},
	{"openai", "{'choices':[{'message':{'role':'assistant','content':'a;4\\nb'},'finish_reason':'length'}]}",
	 WR_READ_ANSWER, 1, "a;4\nb", NULL, -1, -1, -1, NULL},
	{"openai", "{'choices':[{'message':{'role':'assistant','content':null},'finish_reason':'content_filter'}]}",
	 WR_READ_REFUSED, 0, NULL, NULL, -1, -1, -1, "finish_reason content_filter"},
	{"openai", "{'choices':[{'message':{'content':'bad \\ud800'},'finish_reason':'stop'}]}",
	 WR_READ_ANSWER, 0, NULL, NULL, -1, -1, -1, NULL},
	{"openai", "{'choices':[],'usage':{'prompt_tokens':3}}", WR_READ_NONE, 0, NULL, NULL, 3, -1, -1, "no choices"},
	{"openai", "{'choices':[{'message':{'content':'x','refusal':''},'finish_reason':'stop'}]}",
	 WR_READ_ANSWER, 0, "x", NULL, -1, -1, -1, NULL},
	{"openai", "{'choices':[{'message':{'role':'assistant','content':null,'tool_calls':[]},'finish_reason':'tool_calls'}]}",
	 WR_READ_NONE, 0, NULL, NULL, -1, -1, -1, "no content"},
	{"anthropic", "{'id':'msg_1','type':'message','role':'assistant','model':'claude-sonnet-4-5','content':[{'type':'text',"
	 "'text':'a;4'}],'stop_reason':'end_turn','stop_sequence':null,'usage':{'input_tokens':10,"
	 "'cache_creation_input_tokens':20,'cache_read_input_tokens':30,'output_tokens':5}}",
	 WR_READ_ANSWER, 0, "a;4", "claude-sonnet-4-5", 60, 5, 30, NULL},
	{"anthropic", "{'type':'message','role':'assistant','model':'claude-opus-4-1','content':[{'type':'thinking','thinking':'hmm',"
	 "'signature':'sig'},{'type':'redacted_thinking','data':'x'},{'type':'text','text':'a;4'},{'type':'text','text':'\\nb;3'}],"
	 "'stop_reason':'end_turn','usage':{'input_tokens':7,'output_tokens':300}}",
	 WR_READ_ANSWER, 0, "a;4\nb;3", "claude-opus-4-1", 7, 300, -1, NULL},
	{"anthropic", "{'type':'message','role':'assistant','model':'claude-sonnet-4-5','content':[],'stop_reason':'refusal',"
	 "'usage':{'input_tokens':12,'output_tokens':0,'cache_read_input_tokens':0}}",
	 WR_READ_REFUSED, 0, "", "claude-sonnet-4-5", 12, 0, 0, "stop_reason refusal"},
	{"anthropic", "{'type':'message','content':[{'type':'text','text':'a;4\\nb'}],'stop_reason':'max_tokens'}",
	 WR_READ_ANSWER, 1, "a;4\nb", NULL, -1, -1, -1, NULL},
	{"anthropic", "{'type':'message','content':[{'type':'text','text':'a'}],'stop_reason':'model_context_window_exceeded'}",
	 WR_READ_ANSWER, 1, "a", NULL, -1, -1, -1, NULL},
	{"anthropic", "{'type':'message','stop_reason':'end_turn'}", WR_READ_NONE, 0, NULL, NULL, -1, -1, -1, "no content"},
	{"gemini", "{'candidates':[{'content':{'parts':[{'text':'a;4'}],'role':'model'},'finishReason':'STOP','index':0}],"
	 "'usageMetadata':{'promptTokenCount':12,'candidatesTokenCount':4,'totalTokenCount':16,'cachedContentTokenCount':8},"
	 "'modelVersion':'gemini-2.5-flash','responseId':'r'}",
	 WR_READ_ANSWER, 0, "a;4", "gemini-2.5-flash", 12, 4, 8, NULL},
	{"gemini", "{'candidates':[{'content':{'parts':[{'text':'thinking about it','thought':true},{'text':'a;4\\n'},"
	 "{'text':'b;3'}],'role':'model'},'finishReason':'STOP'}],'usageMetadata':{'promptTokenCount':12,"
	 "'candidatesTokenCount':4,'thoughtsTokenCount':100},'modelVersion':'gemini-2.5-pro'}",
	 WR_READ_ANSWER, 0, "a;4\nb;3", "gemini-2.5-pro", 12, 104, -1, NULL},
	{"gemini", "{'promptFeedback':{'blockReason':'SAFETY','safetyRatings':[{'category':'HARM_CATEGORY_HARASSMENT',"
	 "'probability':'HIGH'}]},'usageMetadata':{'promptTokenCount':5,'totalTokenCount':5},'modelVersion':'gemini-x'}",
	 WR_READ_REFUSED, 0, NULL, "gemini-x", 5, -1, -1, "promptFeedback blockReason"},
	{"gemini", "{'candidates':[{'finishReason':'SAFETY','index':0,'safetyRatings':[{'category':'HARM_CATEGORY_HATE_SPEECH',"
	 "'probability':'HIGH','blocked':true}]}],'usageMetadata':{'promptTokenCount':5}}",
	 WR_READ_REFUSED, 0, NULL, NULL, 5, -1, -1, "finishReason SAFETY"},
	{"gemini", "{'candidates':[{'content':{'parts':[{'text':'a;'}]},'finishReason':'PROHIBITED_CONTENT'}]}",
	 WR_READ_REFUSED, 0, "a;", NULL, -1, -1, -1, "finishReason PROHIBITED_CONTENT"},
	{"gemini", "{'candidates':[{'finishReason':'SPII'}]}", WR_READ_REFUSED, 0, NULL, NULL, -1, -1, -1, "finishReason SPII"},
	{"gemini", "{'candidates':[{'finishReason':'BLOCKLIST'}]}", WR_READ_REFUSED, 0, NULL, NULL, -1, -1, -1, "finishReason BLOCKLIST"},
	{"gemini", "{'candidates':[{'content':{'parts':[{'text':'a;4\\nb'}],'role':'model'},'finishReason':'MAX_TOKENS'}]}",
	 WR_READ_ANSWER, 1, "a;4\nb", NULL, -1, -1, -1, NULL},
	{"gemini", "{'candidates':[{'content':{'role':'model'},'finishReason':'MAX_TOKENS'}],'usageMetadata':{'promptTokenCount':5,"
	 "'thoughtsTokenCount':60}}", WR_READ_NONE, 1, NULL, NULL, 5, 60, -1, "no content"},
	{"gemini", "{'candidates':[{'finishReason':'RECITATION'}]}", WR_READ_NONE, 0, NULL, NULL, -1, -1, -1, "finishReason RECITATION"},
	{"gemini", "{'usageMetadata':{'promptTokenCount':5}}", WR_READ_NONE, 0, NULL, NULL, 5, -1, -1, "no candidates"},
};

static void
test_read(void)
{
	struct wr_json j;
	struct wr_buf text = {0};
	struct wr_reading r;
	size_t i;

	wr_json_init(&j);
	for (i = 0; i < sizeof ans / sizeof *ans; i++) {
		char *body = q(ans[i].body);
		const char *perr;
		int rc;

		if (wr_json_parse(&j, body, strlen(body), &perr) < 0) {
			CHECK(0, "answer %zu: body does not parse: %s", i, perr);
			free(body);
			continue;
		}
		dialect(ans[i].api)->read(&j, 0, &r);
		CHECK(r.kind == ans[i].kind, "answer %zu: kind %d", i, r.kind);
		CHECK(r.cut == ans[i].cut, "answer %zu: cut %d", i, r.cut);
		CHECK((r.why == NULL && ans[i].why == NULL) || (r.why && ans[i].why && strcmp(r.why, ans[i].why) == 0),
		    "answer %zu: why %s", i, r.why ? r.why : "(none)");
		wr_buf_reset(&text);
		rc = wr_reading_text(&j, &r, &text);
		if (ans[i].text)
			CHECK(rc == 0 && text.s && strcmp(text.s, ans[i].text) == 0, "answer %zu: text %d '%s'", i, rc,
			    text.s ? text.s : "");
		else
			CHECK(rc == -1, "answer %zu: text where none was wanted", i);
		if (ans[i].model) {
			size_t n;
			const char *m = r.model >= 0 ? wr_json_raw(&j, r.model, &n) : NULL;
			CHECK(m && n == strlen(ans[i].model) && memcmp(m, ans[i].model, n) == 0, "answer %zu: model", i);
		} else {
			CHECK(r.model == -1, "answer %zu: model where none was wanted", i);
		}
		CHECK(r.prompt_tokens == ans[i].prompt && r.completion_tokens == ans[i].completion &&
		    r.cached_tokens == ans[i].cached, "answer %zu: usage %g %g %g", i, r.prompt_tokens,
		    r.completion_tokens, r.cached_tokens);
		CHECK(wr_dialect_of_body(&j, 0) == dialect(ans[i].api), "answer %zu: shape not recognised", i);
		free(body);
	}
	wr_buf_free(&text);
	wr_json_free(&j);
}

/* Each row: dialect, error body (NULL: not JSON), status; message and class. */
static const struct {
	const char *api, *body;
	long status;
	const char *msg;
	int how;
} err[] = {
	{"openai", "{'error':{'message':'Rate limit reached','type':'requests','param':null,'code':'rate_limit_exceeded'}}", 429,
	 "Rate limit reached", WR_ERR_DEFAULT},
	{"openai", "{'error':{'message':'You exceeded your current quota','type':'insufficient_quota','param':null,"
	 "'code':'insufficient_quota'}}", 429, "You exceeded your current quota", WR_ERR_STOP},
	{"openai", "{'error':{'message':'Incorrect API key provided','type':'invalid_request_error','code':'invalid_api_key'}}", 401,
	 "Incorrect API key provided", WR_ERR_STOP},
	{"openai", "{'error':'upstream gone'}", 502, "upstream gone", WR_ERR_DEFAULT},
	{"openai", NULL, 502, "", WR_ERR_DEFAULT},
	{"openai", "{'error':{'message':'line\\nnext \\u00e9'}}", 400, "line\nnext \xc3\xa9", WR_ERR_DEFAULT},
	{"anthropic", "{'type':'error','error':{'type':'overloaded_error','message':'Overloaded'},'request_id':'req_1'}", 529,
	 "Overloaded", WR_ERR_RETRY},
	{"anthropic", NULL, 529, "", WR_ERR_RETRY},
	{"anthropic", "{'type':'error','error':{'type':'authentication_error','message':'invalid x-api-key'}}", 401,
	 "invalid x-api-key", WR_ERR_STOP},
	{"anthropic", "{'type':'error','error':{'type':'permission_error','message':'no access'}}", 403, "no access", WR_ERR_STOP},
	{"anthropic", "{'type':'error','error':{'type':'invalid_request_error','message':'max_tokens: too big'}}", 400,
	 "max_tokens: too big", WR_ERR_FINAL},
	{"anthropic", "{'type':'error','error':{'type':'rate_limit_error','message':'slow down'}}", 429, "slow down", WR_ERR_RETRY},
	{"anthropic", "{'type':'error','error':{'type':'api_error','message':'oops'}}", 500, "oops", WR_ERR_RETRY},
	{"anthropic", "{'type':'error','error':{'type':'teapot_error','message':'tea'}}", 418, "tea", WR_ERR_DEFAULT},
	{"anthropic", "{'type':'error','error':{'type':'timeout_error','message':'Request timed out'}}", 504,
	 "Request timed out", WR_ERR_RETRY},
	{"anthropic", "{'type':'error','error':{'type':'billing_error','message':'credit balance too low'}}", 402,
	 "credit balance too low", WR_ERR_STOP},
	{"gemini", "{'error':{'code':429,'message':'Resource has been exhausted','status':'RESOURCE_EXHAUSTED'}}", 429,
	 "Resource has been exhausted", WR_ERR_RETRY},
	{"gemini", "{'error':{'code':400,'message':'API key not valid. Please pass a valid API key.','status':'INVALID_ARGUMENT',"
	 "'details':[{'@type':'type.googleapis.com/google.rpc.ErrorInfo','reason':'API_KEY_INVALID','domain':'googleapis.com'},"
	 "{'@type':'type.googleapis.com/google.rpc.LocalizedMessage','locale':'en-US','message':'x'}]}}", 400,
	 "API key not valid. Please pass a valid API key.", WR_ERR_STOP},
	{"gemini", "{'error':{'code':400,'message':'Invalid JSON payload','status':'INVALID_ARGUMENT'}}", 400,
	 "Invalid JSON payload", WR_ERR_FINAL},
	{"gemini", "{'error':{'code':403,'message':'denied','status':'PERMISSION_DENIED'}}", 403, "denied", WR_ERR_STOP},
	{"gemini", "{'error':{'code':401,'message':'no key','status':'UNAUTHENTICATED'}}", 401, "no key", WR_ERR_STOP},
	{"gemini", "{'error':{'code':503,'message':'The model is overloaded.','status':'UNAVAILABLE'}}", 503,
	 "The model is overloaded.", WR_ERR_RETRY},
	{"gemini", "{'error':{'code':404,'message':'models/x is not found','status':'NOT_FOUND'}}", 404,
	 "models/x is not found", WR_ERR_FINAL},
	{"gemini", "[{'error':{'code':429,'message':'quota','status':'RESOURCE_EXHAUSTED'}}]", 429, "quota", WR_ERR_RETRY},
	{"gemini", NULL, 500, "", WR_ERR_DEFAULT},
};

static void
test_error(void)
{
	struct wr_json j;
	struct wr_buf msg = {0};
	size_t i;

	wr_json_init(&j);
	for (i = 0; i < sizeof err / sizeof *err; i++) {
		char *body = err[i].body ? q(err[i].body) : NULL;
		const char *perr;
		int root = -1, how;

		if (body && wr_json_parse(&j, body, strlen(body), &perr) == 0)
			root = 0;
		CHECK(!body || root == 0, "error %zu: body does not parse", i);
		wr_buf_reset(&msg);
		wr_buf_add(&msg, "", 0);
		how = dialect(err[i].api)->error(&j, root, err[i].status, &msg);
		CHECK(how == err[i].how, "error %zu: class %d", i, how);
		CHECK(strcmp(msg.s, err[i].msg) == 0, "error %zu: message '%s'", i, msg.s);
		free(body);
	}
	wr_buf_free(&msg);
	wr_json_free(&j);
}

/* 2026-01-01T00:00:00Z */
#define NOW 1767225600

#define L(f) offsetof(struct wr_limits, f)

/* Each row: dialect, header name and value; the field it sets and to what (-1: nothing set). */
static const struct {
	const char *api, *name, *val;
	size_t field;
	double want;
} hdrs[] = {
	{"openai", "x-ratelimit-limit-requests", "500", L(limit_requests), 500},
	{"openai", "X-RateLimit-Limit-Tokens", " 30000\r\n", L(limit_tokens), 30000},
	{"openai", "x-ratelimit-remaining-requests", "499", L(remaining_requests), 499},
	{"openai", "x-ratelimit-remaining-tokens", "0", L(remaining_tokens), 0},
	{"openai", "x-ratelimit-reset-requests", "12ms", L(reset_requests), 0.012},
	{"openai", "x-ratelimit-reset-tokens", "6m0s", L(reset_tokens), 360},
	{"openai", "x-ratelimit-reset-tokens", "1h2m3.5s", L(reset_tokens), 3723.5},
	{"openai", "x-ratelimit-reset-requests", "2", L(reset_requests), 2},
	{"openai", "x-ratelimit-reset-requests", "-1", L(reset_requests), -1},
	{"openai", "x-ratelimit-reset-requests", "soon", L(reset_requests), -1},
	{"openai", "x-ratelimit-limit-requests", "-1", L(limit_requests), -1},
	{"openai", "x-ratelimit-limit-requests", "12abc", L(limit_requests), -1},
	{"openai", "x-ratelimit-limit-requests", "", L(limit_requests), -1},
	{"openai", "x-ratelimit-limit-requests-x", "5", L(limit_requests), -1},
	{"openai", "anthropic-ratelimit-requests-limit", "5", L(limit_requests), -1},
	{"anthropic", "anthropic-ratelimit-requests-limit", "50", L(limit_requests), 50},
	{"anthropic", "Anthropic-RateLimit-Requests-Remaining", "49", L(remaining_requests), 49},
	{"anthropic", "anthropic-ratelimit-requests-reset", "2026-01-01T00:00:30Z", L(reset_requests), 30},
	{"anthropic", "anthropic-ratelimit-requests-reset", "2025-12-31T23:59:00Z", L(reset_requests), 0},
	{"anthropic", "anthropic-ratelimit-tokens-reset", "2026-01-01T01:00:30+01:00", L(reset_tokens), 30},
	{"anthropic", "anthropic-ratelimit-tokens-reset", "2025-12-31T19:00:30-05:00", L(reset_tokens), 30},
	{"anthropic", "anthropic-ratelimit-tokens-reset", "2026-01-01T00:00:30.5Z", L(reset_tokens), 30.5},
	{"anthropic", "anthropic-ratelimit-tokens-limit", "80000", L(limit_tokens), 80000},
	{"anthropic", "anthropic-ratelimit-tokens-remaining", "-1", L(remaining_tokens), -1},
	{"anthropic", "anthropic-ratelimit-tokens-reset", "soon", L(reset_tokens), -1},
	{"anthropic", "anthropic-ratelimit-tokens-reset", "30", L(reset_tokens), -1},
	{"anthropic", "anthropic-ratelimit-tokens-reset", "2026-02-30T00:00:00Z", L(reset_tokens), -1},
	{"anthropic", "anthropic-ratelimit-tokens-reset", "2026-01-01T00:00:30", L(reset_tokens), -1},
	{"anthropic", "anthropic-ratelimit-input-tokens-limit", "40000", L(limit_input_tokens), 40000},
	{"anthropic", "anthropic-ratelimit-input-tokens-remaining", "39000", L(remaining_input_tokens), 39000},
	{"anthropic", "anthropic-ratelimit-input-tokens-reset", "2026-01-01T00:01:00Z", L(reset_input_tokens), 60},
	{"anthropic", "anthropic-ratelimit-output-tokens-limit", "8000", L(limit_output_tokens), 8000},
	{"anthropic", "anthropic-ratelimit-output-tokens-remaining", "7000", L(remaining_output_tokens), 7000},
	{"anthropic", "anthropic-ratelimit-output-tokens-reset", "2026-01-01T00:00:01Z", L(reset_output_tokens), 1},
	{"anthropic", "x-ratelimit-limit-requests", "5", L(limit_requests), -1},
	{"anthropic", "anthropic-ratelimit-", "5", L(limit_requests), -1},
	{"gemini", "x-ratelimit-limit-requests", "5", L(limit_requests), -1},
	{"gemini", "anthropic-ratelimit-requests-limit", "5", L(limit_requests), -1},
};

static void
test_header(void)
{
	struct wr_limits l;
	size_t i, k;

	for (i = 0; i < sizeof hdrs / sizeof *hdrs; i++) {
		double got;

		wr_limits_reset(&l);
		dialect(hdrs[i].api)->header(&l, hdrs[i].name, strlen(hdrs[i].name), hdrs[i].val, strlen(hdrs[i].val), NOW);
		got = *(double *)((char *)&l + hdrs[i].field);
		CHECK(fabs(got - hdrs[i].want) < 1e-9, "header %zu %s: %s gave %g", i, hdrs[i].name, hdrs[i].val, got);
		/* No other field moved. */
		for (k = 0; k < sizeof l / sizeof(double); k++)
			if (k * sizeof(double) != hdrs[i].field)
				CHECK(((double *)&l)[k] == -1, "header %zu: field %zu set too", i, k);
	}
}

/* wr_dialect_limit on a table of its own: each way of reading, case ignored, a value that does not read. */
static void
test_limit(void)
{
	static const struct wr_dialect_limit h[] = {
		{"n", L(limit_requests), WR_LIMIT_COUNT},
		{"d", L(reset_requests), WR_LIMIT_DURATION},
		{"at", L(reset_tokens), WR_LIMIT_RESET_AT},
	};
	static const struct { const char *name, *val; size_t field; double want; } v[] = {
		{"n", "42", L(limit_requests), 42}, {"N", " 7\r\n", L(limit_requests), 7},
		{"n", "1s", L(limit_requests), -1}, {"d", "1m30s", L(reset_requests), 90},
		{"D", "250ms", L(reset_requests), 0.25}, {"d", "soon", L(reset_requests), -1},
		{"at", "2026-01-01T00:00:10Z", L(reset_tokens), 10}, {"AT", "10", L(reset_tokens), -1},
		{"nn", "5", L(limit_requests), -1}, {"", "5", L(limit_requests), -1},
	};
	struct wr_limits l;
	size_t i, k;

	for (i = 0; i < sizeof v / sizeof *v; i++) {
		wr_limits_reset(&l);
		wr_dialect_limit(&l, h, sizeof h / sizeof *h, v[i].name, strlen(v[i].name), v[i].val, strlen(v[i].val), NOW);
		CHECK(fabs(*(double *)((char *)&l + v[i].field) - v[i].want) < 1e-9, "limit %zu: %s %s", i, v[i].name,
		    v[i].val);
		for (k = 0; k < sizeof l / sizeof(double); k++)
			if (k * sizeof(double) != v[i].field)
				CHECK(((double *)&l)[k] == -1, "limit %zu: field %zu set too", i, k);
	}
}

static void
test_header_line(void)
{
	static const struct { const char *line; double want; } v[] = {
		{"x-ratelimit-remaining-requests: 7\r\n", 7},
		{"x-ratelimit-remaining-requests:7", 7},
		{"X-Ratelimit-Remaining-Requests:\t 8 \r\n", 8},
		{"x-ratelimit-remaining-requests 7\r\n", -1},
		{"HTTP/1.1 200 x-ratelimit-remaining-requests: 7\r\n", -1},
		{": 7\r\n", -1},
		{"\r\n", -1},
	};
	struct wr_limits l;
	size_t i;

	for (i = 0; i < sizeof v / sizeof *v; i++) {
		wr_limits_reset(&l);
		wr_dialect_header_line(&wr_dialect_openai, &l, v[i].line, strlen(v[i].line), NOW);
		CHECK(l.remaining_requests == v[i].want, "header line %zu: %g", i, l.remaining_requests);
	}
}

static void
test_times(void)
{
	static const struct { const char *s; double want; } dur[] = {
		{"12ms", 0.012}, {"1s", 1}, {"6m0s", 360}, {"1h2m3.5s", 3723.5}, {"0s", 0}, {"2", 2}, {"0.5", 0.5},
		{"250us", 0.00025}, {"250\xc2\xb5s", 0.00025}, {"20ns", 2e-8}, {" 7s\r\n", 7},
		{"-1", -1}, {"", -1}, {"5x", -1}, {"ms", -1}, {"1m-2s", -1}, {"s1", -1}, {".s", -1}, {"1 s", -1}, {"1.s", 1}, {".5s", 0.5},
	};
	static const struct { const char *s; double want; } t[] = {
		{"1970-01-01T00:00:00Z", 0}, {"2026-01-01T00:00:00Z", NOW}, {"2026-01-01t00:00:00z", NOW},
		{"2026-01-01 00:00:00Z", NOW}, {"2026-01-01T00:00:00.25Z", NOW + 0.25},
		{"2026-01-01T05:30:00+05:30", NOW}, {"2024-02-29T00:00:00Z", 1709164800},
		{"2025-02-29T00:00:00Z", -1}, {"2026-13-01T00:00:00Z", -1}, {"2026-01-01T24:00:00Z", -1},
		{"2026-01-01T00:00:00", -1}, {"2026-01-01", -1}, {"2026-01-01T00:00:00.Z", -1},
		{"2026-01-01T00:00:00+0100", -1}, {"2026-01-01T00:00:00Zjunk", -1}, {"Thu, 01 Jan 2026 00:00:00 GMT", -1},
	};
	size_t i;
	double d;

	for (i = 0; i < sizeof dur / sizeof *dur; i++) {
		int r = wr_dialect_duration(dur[i].s, strlen(dur[i].s), &d);
		if (dur[i].want < 0)
			CHECK(r == -1, "duration '%s' gave %d %g", dur[i].s, r, d);
		else
			CHECK(r == 0 && fabs(d - dur[i].want) < 1e-12, "duration '%s': %d %g", dur[i].s, r, d);
	}
	for (i = 0; i < sizeof t / sizeof *t; i++) {
		int r = wr_dialect_rfc3339(t[i].s, strlen(t[i].s), &d);
		if (t[i].want < 0)
			CHECK(r == -1, "rfc3339 '%s' gave %d %f", t[i].s, r, d);
		else
			CHECK(r == 0 && fabs(d - t[i].want) < 1e-9, "rfc3339 '%s': %d %f", t[i].s, r, d);
	}
}

/* Each row: URL; the dialect it speaks and the vendor that owns its host (NULL: none). */
static const struct { const char *url, *api, *vendor; } urls[] = {
	{"https://api.anthropic.com/v1", "anthropic", "anthropic"},
	{"https://API.Anthropic.COM./v1/", "anthropic", "anthropic"},
	{"https://api.anthropic.com:443/v1", "anthropic", "anthropic"},
	{"api.anthropic.com/v1", "anthropic", "anthropic"},
	{"https://user:pw@api.anthropic.com/v1", "anthropic", "anthropic"},
	{"https://api.anthropic.com.evil.example/v1", "openai", NULL},
	{"https://evilanthropic.com/v1", "openai", NULL},
	{"https://api.anthropic.com@evil.example/v1", "openai", NULL},
	{"https://a@api.anthropic.com:x@evil.example/v1", "openai", NULL},
	{"https://evil.example/api.anthropic.com/v1", "openai", NULL},
	{"https://evil.example?h=api.anthropic.com", "openai", NULL},
	{"https://evil.example#@api.anthropic.com", "openai", NULL},
	{"https://generativelanguage.googleapis.com/v1beta", "gemini", "google"},
	{"https://generativelanguage.googleapis.com/v1beta/openai/", "openai", "google"},
	{"https://generativelanguage.googleapis.com/v1beta/openai", "openai", "google"},
	{"https://generativelanguage.googleapis.com/v1beta/openaiish", "gemini", "google"},
	{"https://generativelanguage.googleapis.com/v1beta?x=/openai/", "gemini", "google"},
	{"https://aiplatform.googleapis.com/v1", "openai", "google"},
	{"https://generativelanguage.googleapis.com.evil.example/v1beta", "openai", NULL},
	{"https://api.openai.com/v1", "openai", "openai"},
	{"https://a@b@api.openai.com/v1", "openai", "openai"},
	{"http://127.0.0.1:8080/v1", "openai", NULL},
	{"http://[::1]:8080/v1", "openai", NULL},
	{"https://api.deepseek.com", "openai", NULL},
	{"https://openai.com.evil.example", "openai", NULL},
	{"", "openai", NULL},
};

static void
test_urls(void)
{
	size_t i;

	for (i = 0; i < sizeof urls / sizeof *urls; i++) {
		const char *v = wr_dialect_vendor(urls[i].url);
		CHECK(strcmp(wr_dialect_infer(urls[i].url)->name, urls[i].api) == 0, "infer %s: %s", urls[i].url,
		    wr_dialect_infer(urls[i].url)->name);
		CHECK((v == NULL && urls[i].vendor == NULL) || (v && urls[i].vendor && strcmp(v, urls[i].vendor) == 0),
		    "vendor %s: %s", urls[i].url, v ? v : "(none)");
	}
	CHECK(wr_dialect_find("openai") == &wr_dialect_openai, "find openai");
	CHECK(wr_dialect_find("anthropic") == &wr_dialect_anthropic, "find anthropic");
	CHECK(wr_dialect_find("gemini") == &wr_dialect_gemini, "find gemini");
	CHECK(wr_dialect_find("google") == NULL && wr_dialect_find("") == NULL, "find unknown");
}

/* wr_dialect_string: a string token as it is, anything else -1. */
static void
test_string(void)
{
	static const struct { const char *body, *key; int string; } v[] = {
		{"{'m':'x'}", "m", 1}, {"{'m':''}", "m", 1}, {"{'m':7}", "m", 0}, {"{'m':null}", "m", 0},
		{"{'m':['x']}", "m", 0}, {"{'m':'x'}", "n", 0},
	};
	struct wr_json j;
	size_t i;

	wr_json_init(&j);
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		char *body = q(v[i].body);
		const char *perr;
		int t;

		CHECK(wr_json_parse(&j, body, strlen(body), &perr) == 0, "string %zu parses", i);
		t = wr_json_get(&j, 0, v[i].key);
		CHECK(wr_dialect_string(&j, t) == (v[i].string ? t : -1), "string %zu: %d", i, wr_dialect_string(&j, t));
		free(body);
	}
	CHECK(wr_dialect_string(&j, -1) == -1 && wr_dialect_string(&j, j.n) == -1, "string out of range");
	wr_json_free(&j);
}

static void
test_tables(void)
{
	const struct wr_dialect *d[] = {&wr_dialect_openai, &wr_dialect_anthropic, &wr_dialect_gemini};
	size_t i;

	for (i = 0; i < 3; i++)
		CHECK(d[i]->name && d[i]->base_url && d[i]->key_env && d[i]->key_header && d[i]->key_prefix &&
		    d[i]->headers && d[i]->request && d[i]->read && d[i]->error && d[i]->header, "%s: empty slot", d[i]->name);
	CHECK(strcmp(wr_dialect_anthropic.headers[0], "anthropic-version: 2023-06-01") == 0 &&
	    wr_dialect_anthropic.headers[1] == NULL, "anthropic-version");
	CHECK(strcmp(wr_dialect_gemini.base_url, "https://generativelanguage.googleapis.com/v1beta") == 0, "gemini base");
	CHECK(strcmp(wr_dialect_openai.key_prefix, "Bearer ") == 0, "bearer");
}

static void
test_shape(void)
{
	static const struct { const char *body, *api; } v[] = {
		{"{'error':{'message':'x'}}", NULL},
		{"{'id':'x'}", NULL},
		{"{'promptFeedback':{}}", "gemini"},
		{"{'content':'text'}", NULL},
		{"[]", NULL},
	};
	struct wr_json j;
	size_t i;

	wr_json_init(&j);
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		char *body = q(v[i].body);
		const char *perr;
		const struct wr_dialect *d;

		CHECK(wr_json_parse(&j, body, strlen(body), &perr) == 0, "shape %zu parses", i);
		d = wr_dialect_of_body(&j, 0);
		CHECK(v[i].api ? d && strcmp(d->name, v[i].api) == 0 : d == NULL, "shape %zu: %s", i, d ? d->name : "(none)");
		free(body);
	}
	wr_json_free(&j);
}

/* Bodies of the wrong shape, through every step of every dialect: no crash, and only valid JSON out. */
static void
test_odd(void)
{
	static const char *const v[] = {
		"{}", "[]", "'s'",
		"{'model':[],'messages':7}", "{'model':'m','messages':[[],null,7,'s',{'role':[],'content':{}}]}",
		"{'model':'m','messages':[{'role':'user','content':[7,null,[],{'text':7},{'type':'text'}]}]}",
		("{'model':'m','messages':[{'role':'user','content':'u'}],'stop':7,'temperature':{},'top_p':[],'user':3,"
		"'max_tokens':null,'response_format':7,'logprobs':'x','top_logprobs':{},'n':[],'seed':'x'}"),
		"{'model':'m','messages':[{'role':'user','content':'u'}],'response_format':{'type':'json_schema','json_schema':7}}",
		"{'choices':7,'content':7,'candidates':7,'usage':7,'usageMetadata':[],'model':7,'modelVersion':{}}",
		"{'choices':[7],'candidates':[7],'content':[7,{'type':7},{'text':null}]}",
		"{'choices':[{'message':7,'finish_reason':7}],'candidates':[{'content':7,'finishReason':[]}]}",
		"{'choices':[{'message':{'content':7,'refusal':7}}],'candidates':[{'content':{'parts':7}}]}",
		"{'candidates':[{'content':{'parts':[7,{'thought':'yes','text':'t'},{'text':7}]}}],'promptFeedback':7}",
		"{'error':7,'type':'error'}", "{'error':{'message':7,'type':7,'code':[],'status':{},'details':7}}",
		"{'error':{'details':[7,{'reason':7},null]}}", "[7,{'error':7}]",
	};
	const struct wr_dialect *d[] = {&wr_dialect_openai, &wr_dialect_anthropic, &wr_dialect_gemini};
	struct wr_json j;
	struct wr_buf path = {0}, out = {0}, warns = {0}, msg = {0}, text = {0};
	struct wr_reading r;
	size_t i, k;

	wr_json_init(&j);
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		char *body = q(v[i]);
		const char *perr, *why;

		if (wr_json_parse(&j, body, strlen(body), &perr) < 0) {
			CHECK(0, "odd %zu: does not parse: %s", i, perr);
			free(body);
			continue;
		}
		for (k = 0; k < 3; k++) {
			wr_buf_reset(&path);
			wr_buf_reset(&out);
			wr_buf_reset(&warns);
			why = NULL;
			if (d[k]->request(&j, 0, 2, &path, &out, collect, &warns, &why) == 0)
				CHECK(out.len == 0 || wr_json_valid(out.s, out.len), "odd %zu %s: %s", i, d[k]->name, out.s);
			else
				CHECK(why != NULL, "odd %zu %s: no reason", i, d[k]->name);
			if (j.tok[0].type == JSMN_OBJECT) {
				d[k]->read(&j, 0, &r);
				wr_buf_reset(&text);
				if (wr_reading_text(&j, &r, &text) == 0)
					CHECK(r.content >= 0, "odd %zu %s: text without content", i, d[k]->name);
				CHECK(r.kind != WR_READ_ANSWER || r.content >= 0, "odd %zu %s: answer without content", i,
				    d[k]->name);
			}
			wr_buf_reset(&msg);
			d[k]->error(&j, 0, 400, &msg);
		}
		free(body);
	}
	wr_buf_free(&path);
	wr_buf_free(&out);
	wr_buf_free(&warns);
	wr_buf_free(&msg);
	wr_buf_free(&text);
	wr_json_free(&j);
}

int
main(void)
{
	test_request();
	test_read();
	test_error();
	test_header();
	test_limit();
	test_header_line();
	test_times();
	test_urls();
	test_tables();
	test_string();
	test_shape();
	test_odd();
	return unit_done();
}
