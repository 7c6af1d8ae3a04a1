/*
 * procpool_argv.c - how a worker's command is run: directly, or by /bin/sh.
 *
 * A command that needs no shell is split on spaces and executed directly, so
 * that the worker is the process procpool started: its SIGTERM (and the
 * grace period that comes with it) reaches the process doing the work, not
 * a shell that forked it (Debian's dash forks even for `sh -c 'worker'`).
 *
 * The test is conservative: every word made only of letters, digits and
 * `_./:=,+@%-`, words separated by single or repeated spaces, no `=` in the
 * first word (`VAR=x cmd` is an assignment), and a first word that is not a
 * shell keyword or builtin (`exec`, `cd`, `if`, ...). Anything else --
 * quotes, `$`, globs, `~`, redirections, `;`, `|`, `&`, tabs, newlines --
 * goes to `/bin/sh -c` unchanged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "procpool.h"

/* Words a shell treats specially in the first position, or builtins that
 * have no program of their own worth running directly. */
static const char *const shell_words[] = {
	".", ":", "alias", "bg", "break", "case", "cd", "command",
	"continue", "do", "done", "echo", "elif", "else", "esac", "eval",
	"exec", "exit", "export", "false", "fc", "fg", "fi", "for",
	"function", "getopts", "hash", "if", "in", "jobs", "kill", "local",
	"printf", "pwd", "read", "readonly", "return", "select", "set",
	"shift", "source", "test", "then", "time", "times", "trap", "true",
	"type", "ulimit", "umask", "unalias", "unset", "until", "wait",
	"while", NULL,
};

static int safe_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("_./:=,+@%-", c));
}

/* Does command run the same with and without a shell? */
static int needs_no_shell(const char *command)
{
	size_t first = strcspn(command + strspn(command, " "), " ");
	const char *w = command + strspn(command, " ");

	if (first == 0 || memchr(w, '=', first))
		return 0;
	for (const char *c = command; *c; c++)
		if (*c != ' ' && !safe_char(*c))
			return 0;
	for (const char *const *s = shell_words; *s; s++)
		if (strlen(*s) == first && strncmp(*s, w, first) == 0)
			return 0;
	return 1;
}

int procpool_argv_split(const char *command, char ***argv)
{
	size_t len = strlen(command), words = 0, i = 0;
	char **v, *text;

	if (!needs_no_shell(command)) {
		/* One block: the pointers, then the command's copy. */
		v = malloc(4 * sizeof(*v) + len + 1);
		if (!v)
			return -ENOMEM;
		text = (char *)(v + 4);
		memcpy(text, command, len + 1);
		v[0] = "sh";
		v[1] = "-c";
		v[2] = text;
		v[3] = NULL;
		*argv = v;
		return 0;
	}
	for (const char *c = command; *c; c++)
		if (*c != ' ' && (c == command || c[-1] == ' '))
			words++;
	v = malloc((words + 1) * sizeof(*v) + len + 1);
	if (!v)
		return -ENOMEM;
	text = (char *)(v + words + 1);
	memcpy(text, command, len + 1);
	for (char *c = text; *c; c++) {
		if (*c == ' ')
			*c = '\0';
		else if (c == text || c[-1] == '\0')
			v[i++] = c;
	}
	v[i] = NULL;
	*argv = v;
	return 1;
}
