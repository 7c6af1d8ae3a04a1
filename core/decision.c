/* decision.c: being written (see decision.h) */
