/* duration.c: being written (see duration.h) */
