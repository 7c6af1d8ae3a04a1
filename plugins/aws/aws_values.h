/*
 * aws_values.h - helpers of aws_answers.c for messages about values (the
 * readers themselves are declared in aws_answers.h).
 */
#ifndef AWS_VALUES_H
#define AWS_VALUES_H

#include <stddef.h>

/* s quoted into dst (n bytes, at least 8 to hold anything): at most 40
 * bytes of it, cut at a character's start, "..." when cut, control bytes
 * as '?'. */
void aws_values_quote(char *dst, size_t n, const char *s);

/* AWS's message s cut before the details a signature failure appends
 * ("\n\nThe Canonical String for this request should have been ...", "The
 * String-to-Sign ..."), which quote the signed headers, a session token
 * among them; white space before the cut dropped. */
void aws_values_cut_details(char *s);

/* aws_values_cut_details, then control bytes of s as spaces, and a UTF-8
 * sequence that truncation cut short at its end dropped. */
void aws_values_clean(char *s);

#endif
