/*
 * aws_json.c - a signed AWS JSON-protocol request and its errors
 * (aws_json.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_json.h"
#include "aws_xml.h"

int aws_json_sign(struct sigv4_signer *s, const struct aws_endpoint *ep,
		  const struct sigv4_credentials *cred, const char *region, const char *service,
		  const char *content_type, const char *target, const char *body, size_t len,
		  int64_t t_ms, struct aws_json_headers *out, char *err, size_t errlen)
{
	struct sigv4_header h[] = { { "Host", ep->host }, { "Content-Type", content_type },
				    { "X-Amz-Target", target } };
	struct sigv4_request r = { .method = "POST", .path = ep->path, .headers = h,
				   .n_headers = 3, .body = body, .body_len = len };
	struct sigv4_result res;
	int rc, i = 0;

	memset(out, 0, sizeof *out);
	rc = sigv4_sign(s, &r, cred, region, service, t_ms, &res, err, errlen);
	if (rc < 0)
		return rc;
	if (asprintf(&out->h[i++], "Host: %s", ep->host) < 0 ||
	    asprintf(&out->h[i++], "Content-Type: %s", content_type) < 0 ||
	    asprintf(&out->h[i++], "X-Amz-Target: %s", target) < 0 ||
	    asprintf(&out->h[i++], "X-Amz-Date: %s", res.amz_date) < 0 ||
	    asprintf(&out->h[i++], "Authorization: %s", res.authorization) < 0 ||
	    (res.security_token &&
	     asprintf(&out->h[i++], "X-Amz-Security-Token: %s", res.security_token) < 0)) {
		out->h[i - 1] = NULL;
		aws_json_headers_free(out);
		sigv4_result_free(&res);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	sigv4_result_free(&res);
	return 0;
}

void aws_json_headers_free(struct aws_json_headers *h)
{
	size_t i;

	for (i = 0; i < sizeof h->h / sizeof h->h[0]; i++) {
		if (h->h[i])
			explicit_bzero(h->h[i], strlen(h->h[i]));
		free(h->h[i]);
	}
	memset(h, 0, sizeof *h);
}

static const char *json_str(const cJSON *o, const char *const *names)
{
	for (; *names; names++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, *names);

		if (cJSON_IsString(v) && v->valuestring && *v->valuestring)
			return v->valuestring;
	}
	return NULL;
}

static void why_clean(char *why)
{
	for (; *why; why++)
		if ((unsigned char)*why < 0x20)
			*why = ' ';
}

/* <ErrorResponse><Errors><Error><Code/><Message/> (or <Error> directly
 * under it), as moto words its authentication failures in any protocol. */
static int xml_error(const char *doc, size_t len, char *why, size_t whylen)
{
	static const char *const fields[] = { "Errors/Error/Code", "Errors/Error/Message",
					      "Error/Code", "Error/Message", NULL };
	static const struct aws_xml_shape shape = { "ErrorResponse", fields, NULL };
	struct aws_xml_rec r;
	const char *code, *msg;
	size_t which;
	int rc = -EBADMSG;

	if (aws_xml_parse(doc, len, &shape, 1, "error", &which, &r, NULL, 0) < 0)
		return -EBADMSG;
	code = r.val[0] && *r.val[0] ? r.val[0] : r.val[2];
	msg = r.val[0] && *r.val[0] ? r.val[1] : r.val[3];
	if (code && *code) {
		if (msg && *msg)
			snprintf(why, whylen, "%s: %s", code, msg);
		else
			snprintf(why, whylen, "%s", code);
		why_clean(why);
		rc = 0;
	}
	aws_xml_rec_free(&r);
	return rc;
}

int aws_json_error(const char *doc, size_t len, char *why, size_t whylen)
{
	static const char *const codes[] = { "__type", "code", "Code", NULL };
	static const char *const msgs[] = { "message", "Message", NULL };
	cJSON *o;
	const char *code, *msg, *hash;

	if (len && doc[0] == '<')
		return xml_error(doc, len, why, whylen);
	o = cJSON_ParseWithLength(doc, len);
	if (!cJSON_IsObject(o) || !(code = json_str(o, codes))) {
		cJSON_Delete(o);
		return -EBADMSG;
	}
	if ((hash = strrchr(code, '#')) && hash[1])
		code = hash + 1; /* "com.amazonaws.sqs#QueueDoesNotExist" */
	msg = json_str(o, msgs);
	if (msg)
		snprintf(why, whylen, "%s: %s", code, msg);
	else
		snprintf(why, whylen, "%s", code);
	why_clean(why);
	cJSON_Delete(o);
	return 0;
}
