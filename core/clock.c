/* clock.c: being written (see clock.h) */
