/* series.c: being written (see series.h) */
